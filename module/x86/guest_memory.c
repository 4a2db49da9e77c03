// SPDX-License-Identifier: GPL-2.0
/*
 * Reading and writing guest memory the way a guest instruction would.
 *
 * An instruction minivisor emulates names memory by linear address. The
 * guest's own page tables turn that into a guest-physical address (Intel
 * SDM Vol. 3A, chapter 4: 32-bit, PAE or 4-level paging, or none while
 * CR0.PG is 0), and the memslots turn that into an address in the VMM
 * process, which the kernel reads and writes with copy_{from,to}_user
 * while the vCPU thread runs in that process.
 */
#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/uaccess.h>

#include "../memory/memory.h"
#include "../vcpu.h"
#include "../vm.h"
#include "x86.h"

#define PTE_PRESENT	BIT_ULL(0)
#define PTE_LARGE	BIT_ULL(7)
#define PTE_ADDR_MASK	GENMASK_ULL(51, 12)

/*
 * Copy between guest-physical memory and a kernel buffer, in one page.
 * The copy itself runs without the memory lock: it may fault, and the
 * fault may call the MMU notifier, which takes that lock. A write obeys the
 * slot as a guest store would: a read-only slot is not memory for it
 * (-EFAULT, as for MMIO), and a logged slot notes the page dirty.
 */
static int guest_phys_copy(struct mv_vcpu *vcpu, u64 gpa, void *buf,
			   unsigned int len, bool write)
{
	struct mv_memory *memory = &vcpu->vm->memory;
	struct mv_memslot *slot;
	void __user *hva = NULL;

	spin_lock(&memory->lock);
	slot = mv_memslot_find(memory, gpa >> PAGE_SHIFT);
	if (slot && !(write && slot->flags & KVM_MEM_READONLY))
		hva = (void __user *)(slot->userspace_addr +
				      (gpa - (slot->base_gfn << PAGE_SHIFT)));
	spin_unlock(&memory->lock);

	if (!hva)
		return -EFAULT;
	if (!write)
		return copy_from_user(buf, hva, len) ? -EFAULT : 0;
	if (copy_to_user(hva, buf, len))
		return -EFAULT;
	mv_dirty_log_mark(memory, gpa >> PAGE_SHIFT);
	return 0;
}

/* One paging-structure entry; 32-bit paging has 4-byte entries. */
static int read_pte(struct mv_vcpu *vcpu, u64 table, unsigned int index,
		    bool wide, u64 *pte)
{
	u32 narrow;

	if (wide)
		return guest_phys_copy(vcpu, table + index * 8, pte, 8, false);
	if (guest_phys_copy(vcpu, table + index * 4, &narrow, 4, false))
		return -EFAULT;
	*pte = narrow;
	return 0;
}

/*
 * The address a leaf entry maps. 32-bit paging's 4 MiB pages keep
 * address bits 39:32 in entry bits 20:13 (SDM Vol. 3A, table 4-4).
 */
static u64 page_frame(u64 pte, bool wide, int level)
{
	if (wide || level == 1)
		return pte & PTE_ADDR_MASK;
	return (pte & GENMASK_ULL(31, 22)) | ((pte & GENMASK_ULL(20, 13)) << 19);
}

/* Walk from a table at level (with 9 or 10 bits an index) to the page. */
static int walk(struct mv_vcpu *vcpu, u64 table, u64 linear, int level,
		bool wide, u64 *gpa)
{
	unsigned int bits = wide ? 9 : 10;
	unsigned int shift;
	u64 pte;

	for (; level > 0; level--) {
		shift = PAGE_SHIFT + bits * (level - 1);
		if (read_pte(vcpu, table, (linear >> shift) & ((1 << bits) - 1),
			     wide, &pte) || !(pte & PTE_PRESENT))
			return -EFAULT;
		if (level == 1 || (level <= 3 && (pte & PTE_LARGE))) {
			*gpa = (page_frame(pte, wide, level) &
				~(BIT_ULL(shift) - 1)) |
			       (linear & (BIT_ULL(shift) - 1));
			return 0;
		}
		table = pte & PTE_ADDR_MASK;
	}
	return -EFAULT;
}

/* The guest-physical address of a linear address, by the guest's paging. */
static int linear_to_gpa(struct mv_vcpu *vcpu, u64 linear, u64 *gpa)
{
	const struct mv_guest_paging *paging = &vcpu->x86.paging;
	u64 cr3 = paging->cr3, pdpte;

	if (!(paging->cr0 & X86_CR0_PG)) {
		*gpa = linear & 0xffffffff;
		return 0;
	}
	if (paging->efer & EFER_LMA)
		return walk(vcpu, cr3 & PTE_ADDR_MASK, linear, 4, true, gpa);
	if (paging->cr4 & X86_CR4_PAE) {
		pdpte = paging->pdpte[(linear >> 30) & 3];
		if (!(pdpte & PTE_PRESENT))
			return -EFAULT;
		return walk(vcpu, pdpte & PTE_ADDR_MASK, linear, 2, true, gpa);
	}
	return walk(vcpu, cr3 & GENMASK_ULL(31, 12), linear, 2, false, gpa);
}

/* Copy len bytes at a guest linear address, page by page. */
int mv_guest_linear_copy(struct mv_vcpu *vcpu, u64 linear, void *buf,
			 unsigned int len, bool write)
{
	unsigned int chunk;
	u64 gpa;

	while (len) {
		chunk = min_t(unsigned int, len,
			      PAGE_SIZE - offset_in_page(linear));
		if (linear_to_gpa(vcpu, linear, &gpa) ||
		    guest_phys_copy(vcpu, gpa, buf, chunk, write))
			return -EFAULT;
		linear += chunk;
		buf += chunk;
		len -= chunk;
	}
	return 0;
}
