// SPDX-License-Identifier: GPL-2.0
/*
 * irqfds (api.rst 4.75, KVM_IRQFD): an eventfd bound to a GSI, so that
 * whatever signals the eventfd raises the GSI's interrupt (routing.c)
 * without a call into the VM: a device model in another thread or
 * process, vhost, or VFIO, which all know how to signal an eventfd.
 *
 * An irqfd waits on its eventfd's wait queue, as poll() would. A signal
 * wakes it from eventfd_signal(), in whatever context that ran, with the
 * queue's lock held and interrupts off: the wake-up takes the count and
 * raises the GSI there and then, for routes only ever send a message to
 * the local APICs, which any context may do. When the eventfd's last file
 * goes, the wake-up says EPOLLHUP and the irqfd unbinds itself.
 *
 * Lifetime: an irqfd is on the VM's list (irqfds, under irqfds_lock)
 * while bound. Whoever unbinds it there frees it: the EPOLLHUP
 * wake-up, which already holds the queue's lock and so unhooks itself; or
 * a deassign or the VM's end, which unhook it with
 * eventfd_ctx_remove_wait_queue() once the lock is theirs, after any
 * wake-up in flight. The wake-up takes irqfds_lock inside the queue's
 * lock; nothing takes them the other way round.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/list.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "../vm.h"
#include "routing.h"

struct mv_irqfd {
	struct mv_vm *vm;
	struct eventfd_ctx *eventfd;
	u32 gsi;
	wait_queue_entry_t wait;	/* on the eventfd's queue */
	poll_table poll;		/* hooks wait up, at KVM_IRQFD */
	/* Under irqfds_lock: on the VM's list, and its link in it. */
	bool bound;
	struct list_head link;
};

static void irqfd_free(struct mv_irqfd *irqfd)
{
	eventfd_ctx_put(irqfd->eventfd);
	kfree(irqfd);
}

/*
 * Under irqfds_lock: whether it was bound, and if so now it is not, and
 * the caller frees it.
 */
static bool irqfd_unbind(struct mv_irqfd *irqfd)
{
	if (!irqfd->bound)
		return false;
	irqfd->bound = false;
	list_del(&irqfd->link);
	return true;
}

/* Unbound by the caller: unhook it, after any wake-up, and free it. */
static void irqfd_unhook_and_free(struct mv_irqfd *irqfd)
{
	u64 count;

	eventfd_ctx_remove_wait_queue(irqfd->eventfd, &irqfd->wait, &count);
	irqfd_free(irqfd);
}

static int irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			int sync, void *key)
{
	struct mv_irqfd *irqfd = container_of(wait, struct mv_irqfd, wait);
	struct mv_vm_irq *irq = &irqfd->vm->irq;
	__poll_t events = key_to_poll(key);
	unsigned long flags;
	bool mine;
	u64 count;

	if (events & EPOLLIN) {
		eventfd_ctx_do_read(irqfd->eventfd, &count);
		mv_irq_set_gsi(irqfd->vm, irqfd->gsi, 1);
	}
	if (events & EPOLLHUP) {
		spin_lock_irqsave(&irq->irqfds_lock, flags);
		mine = irqfd_unbind(irqfd);
		spin_unlock_irqrestore(&irq->irqfds_lock, flags);
		if (mine) {
			/*
			 * The queue's lock is held: unhook directly. The
			 * eventfd's release, which woke us, still holds a
			 * reference of its own, so ours may go here.
			 */
			list_del_init(&wait->entry);
			irqfd_free(irqfd);
		}
	}
	return 0;
}

static void irqfd_hook(struct file *file, wait_queue_head_t *queue,
		       poll_table *poll)
{
	struct mv_irqfd *irqfd = container_of(poll, struct mv_irqfd, poll);

	add_wait_queue(queue, &irqfd->wait);
}

/* Under irq->irqfds_lock: whether this eventfd raises a GSI already. */
static bool eventfd_bound(struct mv_vm_irq *irq, struct eventfd_ctx *eventfd)
{
	struct mv_irqfd *irqfd;

	list_for_each_entry(irqfd, &irq->irqfds, link)
		if (irqfd->eventfd == eventfd)
			return true;
	return false;
}

static int irqfd_assign(struct mv_vm *vm, struct file *file, u32 gsi)
{
	struct mv_vm_irq *irq = &vm->irq;
	struct mv_irqfd *irqfd;
	struct eventfd_ctx *eventfd;
	bool busy;

	eventfd = eventfd_ctx_fileget(file);
	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);
	irqfd = kzalloc(sizeof(*irqfd), GFP_KERNEL_ACCOUNT);
	if (!irqfd) {
		eventfd_ctx_put(eventfd);
		return -ENOMEM;
	}
	irqfd->vm = vm;
	irqfd->eventfd = eventfd;
	irqfd->gsi = gsi;
	init_waitqueue_func_entry(&irqfd->wait, irqfd_wakeup);
	init_poll_funcptr(&irqfd->poll, irqfd_hook);

	spin_lock_irq(&irq->irqfds_lock);
	busy = eventfd_bound(irq, eventfd);
	spin_unlock_irq(&irq->irqfds_lock);
	if (busy) {
		irqfd_free(irqfd);
		return -EBUSY;
	}
	/*
	 * Hook in, and raise the GSI now if the eventfd was signalled
	 * before (as KVM, leaving the count). The file is held, so no
	 * EPOLLHUP can come yet.
	 */
	if (vfs_poll(file, &irqfd->poll) & EPOLLIN)
		mv_irq_set_gsi(vm, gsi, 1);
	spin_lock_irq(&irq->irqfds_lock);
	list_add_tail(&irqfd->link, &irq->irqfds);
	irqfd->bound = true;
	spin_unlock_irq(&irq->irqfds_lock);
	return 0;
}

static int irqfd_deassign(struct mv_vm *vm, struct file *file, u32 gsi)
{
	struct mv_vm_irq *irq = &vm->irq;
	struct mv_irqfd *irqfd, *found = NULL;
	struct eventfd_ctx *eventfd;

	eventfd = eventfd_ctx_fileget(file);
	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);
	spin_lock_irq(&irq->irqfds_lock);
	list_for_each_entry(irqfd, &irq->irqfds, link) {
		if (irqfd->eventfd == eventfd && irqfd->gsi == gsi) {
			irqfd_unbind(irqfd);
			found = irqfd;
			break;
		}
	}
	spin_unlock_irq(&irq->irqfds_lock);
	eventfd_ctx_put(eventfd);
	/* As on KVM, one that was not bound is no error. */
	if (found)
		irqfd_unhook_and_free(found);
	return 0;
}

int mv_irqfd(struct mv_vm *vm, const struct kvm_irqfd *args)
{
	struct fd f;
	int ret;

	if (args->flags & ~(KVM_IRQFD_FLAG_DEASSIGN | KVM_IRQFD_FLAG_RESAMPLE))
		return -EINVAL;
	/*
	 * A resampler re-raises a level-triggered line of an in-kernel
	 * IOAPIC; with the split irqchip there is none, as on KVM.
	 */
	if (!(args->flags & KVM_IRQFD_FLAG_DEASSIGN) &&
	    (args->flags & KVM_IRQFD_FLAG_RESAMPLE ||
	     !mv_vm_lapic_in_kernel(vm)))
		return -EINVAL;
	f = fdget(args->fd);
	if (!f.file)
		return -EBADF;
	mutex_lock(&vm->irq.lock);
	if (args->flags & KVM_IRQFD_FLAG_DEASSIGN)
		ret = irqfd_deassign(vm, f.file, args->gsi);
	else
		ret = irqfd_assign(vm, f.file, args->gsi);
	mutex_unlock(&vm->irq.lock);
	fdput(f);
	return ret;
}

void mv_irqfd_release_all(struct mv_vm_irq *irq)
{
	struct mv_irqfd *irqfd, *next;
	LIST_HEAD(unbound);

	/* Unbound, so a wake-up in flight leaves them (and this list) be. */
	spin_lock_irq(&irq->irqfds_lock);
	list_for_each_entry(irqfd, &irq->irqfds, link)
		irqfd->bound = false;
	list_splice_init(&irq->irqfds, &unbound);
	spin_unlock_irq(&irq->irqfds_lock);
	list_for_each_entry_safe(irqfd, next, &unbound, link)
		irqfd_unhook_and_free(irqfd);
}
