// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "bench": the short form of `make bench`. Every operation of the
 * benchmark (bench.h) runs a few times on /dev/kvm, then on /dev/minivisor,
 * through the same library code; each must complete on both, and where
 * the guest runs the operation, the guest must have seen the same thing
 * on both, and what it should: CPUID's answer from the table both vCPUs
 * get, -KVM_ENOSYS from VMCALL, the host's answers to MMIO reads, the
 * values it wrote to fresh memory. No figure is checked: timing belongs
 * to `make bench`.
 */
#include <string.h>
#include <linux/kvm_para.h>

#include "kselftest_harness.h"
#include "bench.h"
#include "mv_test.h"

#define SAMPLES	4

FIXTURE(bench) {
	struct bench_record kvm[SAMPLES], minivisor[SAMPLES];
};

FIXTURE_VARIANT(bench) {
	enum bench_op op;
};

FIXTURE_VARIANT_ADD(bench, cpuid) { .op = BENCH_CPUID };
FIXTURE_VARIANT_ADD(bench, vmcall) { .op = BENCH_VMCALL };
FIXTURE_VARIANT_ADD(bench, out) { .op = BENCH_OUT };
FIXTURE_VARIANT_ADD(bench, mmio_write) { .op = BENCH_MMIO_WRITE };
FIXTURE_VARIANT_ADD(bench, mmio_read) { .op = BENCH_MMIO_READ };
FIXTURE_VARIANT_ADD(bench, touch_4k) { .op = BENCH_TOUCH_4K };
FIXTURE_VARIANT_ADD(bench, touch_2m) { .op = BENCH_TOUCH_2M };
FIXTURE_VARIANT_ADD(bench, run_immediate) { .op = BENCH_RUN_IMMEDIATE };
FIXTURE_VARIANT_ADD(bench, vm_life) { .op = BENCH_VM_LIFE };
FIXTURE_VARIANT_ADD(bench, vm_memory) { .op = BENCH_VM_MEMORY };
FIXTURE_VARIANT_ADD(bench, vcpu_memory) { .op = BENCH_VCPU_MEMORY };

FIXTURE_SETUP(bench)
{
	memset(self, 0, sizeof(*self));
}

/* Give minivisor back if a failed assertion left it loaded. */
FIXTURE_TEARDOWN(bench)
{
	mv_module_unload();
}

/* What the guest's registers hold after operation i of op. */
static struct bench_record expected(enum bench_op op, unsigned int i)
{
	switch (op) {
	case BENCH_CPUID:
		return (struct bench_record){ .rax = 1, .rbx = 0x756e6547,
					      .rcx = 0x6c65746e,
					      .rdx = 0x49656e69 };
	case BENCH_VMCALL:
		return (struct bench_record){ .rax = (uint64_t)-KVM_ENOSYS };
	case BENCH_OUT:
		return (struct bench_record){ .rax = BENCH_OUT_VALUE };
	case BENCH_MMIO_READ:
		return (struct bench_record){ .rax = bench_mmio_answer(i) };
	case BENCH_TOUCH_4K:
		return (struct bench_record){ .rax = BENCH_TOUCH_ADDR + i * 0x1000UL };
	case BENCH_TOUCH_2M:
		return (struct bench_record){ .rax = BENCH_TOUCH_ADDR + i * 0x200000UL };
	default:
		return (struct bench_record){ 0 };
	}
}

/* Measure op on one device, its modules loaded for it and released after. */
static int measure(const struct vmm_device *device, enum bench_op op,
		   struct bench_record *records)
{
	struct bench_stats stats;
	int ret, release;

	ret = device->load();
	if (ret)
		return ret;
	ret = bench_measure(device, op, SAMPLES, &stats, records);
	release = device->release();
	return ret ? ret : release;
}

TEST_F(bench, same_on_both)
{
	enum bench_op op = variant->op;

	ASSERT_TRUE(mv_host_has_vtx()) TH_LOG("the benchmark needs VT-x");
	ASSERT_EQ(0, measure(&vmm_kvm, op, self->kvm));
	ASSERT_EQ(0, measure(&vmm_minivisor, op, self->minivisor));
	if (!bench_ops[op].in_guest)
		return;
	for (unsigned int i = 0; i < SAMPLES; i++) {
		struct bench_record want = expected(op, i);
		const struct bench_record *kvm = &self->kvm[i];
		const struct bench_record *mv = &self->minivisor[i];

		EXPECT_EQ(want.rax, kvm->rax) TH_LOG("KVM, operation %u", i);
		EXPECT_EQ(want.rbx, kvm->rbx) TH_LOG("KVM, operation %u", i);
		EXPECT_EQ(want.rcx, kvm->rcx) TH_LOG("KVM, operation %u", i);
		EXPECT_EQ(want.rdx, kvm->rdx) TH_LOG("KVM, operation %u", i);
		EXPECT_EQ(kvm->rax, mv->rax) TH_LOG("operation %u", i);
		EXPECT_EQ(kvm->rbx, mv->rbx) TH_LOG("operation %u", i);
		EXPECT_EQ(kvm->rcx, mv->rcx) TH_LOG("operation %u", i);
		EXPECT_EQ(kvm->rdx, mv->rdx) TH_LOG("operation %u", i);
	}
}

TEST_HARNESS_MAIN
