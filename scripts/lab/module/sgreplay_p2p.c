// SPDX-License-Identifier: GPL-2.0
/*
 * sgreplay_p2p — exercise the real DMA API with PCI P2PDMA memory and with
 * deliberate DMA-API misuse, for sgreplay's lab (scripts/lab/P2P.md).
 *
 * At load time it finds, among the emulated PCI devices:
 *   provider  the first device with published P2P memory (an NVMe CMB),
 *   nvme      another NVMe controller (the P2P client; behind the same switch
 *             in the lab, so P2PDMA's map type is "bus address"),
 *   ahci      the AHCI controller (on the root bus: "through the host bridge"
 *             or "not supported", depending on the CPU),
 *   pata      an IDE controller (ata_piix: segment boundary 0xffff),
 * then maps scatterlists for them through dma_map_sg()/dma_map_sgtable(): P2P-only
 * and mixed P2P/memory lists at non-zero page offsets, and one call per bug
 * class (zero-length entries, an over-long segment, a boundary crossing, unmap
 * with the wrong direction or entry count, double unmap, sync after unmap, a
 * mapping never unmapped).
 *
 * Every call is announced in the kernel log AND in the ftrace buffer
 * (trace_printk), as
 *   sgreplay_p2p: case=<name> seq=<n> op=<map|unmap|sync|...> dev=<bdf> drv=<driver> ...
 * followed by the inputs and outputs, so that a finding of sgreplay and a report
 * of dma-debug can be pinned to the call that caused it.
 *
 * Nothing here may crash the guest: misuse that would corrupt the IOMMU's IOVA
 * allocator (double unmap / short unmap of IOVA-mapped memory) is only done
 * where it is harmless — on lists that are entirely P2P bus addresses (no IOVA)
 * or when the device is not translated — and the log says when a case was
 * reduced for that reason.
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/pci-p2pdma.h>
#include <linux/dma-mapping.h>
#include <linux/scatterlist.h>
#include <linux/iommu.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>

#define TAG "sgreplay_p2p: "

static bool use_trace_printk = true;
module_param(use_trace_printk, bool, 0444);
MODULE_PARM_DESC(use_trace_printk, "also write the case markers into the ftrace buffer");

static struct pci_dev *provider, *nvme, *ahci, *pata;
static void *p2p_buf;            /* P2P memory from the provider's CMB */
static size_t p2p_size = 8 * PAGE_SIZE;
static int seq;

#define say(fmt, ...) do {                                              \
	pr_info(TAG fmt "\n", ##__VA_ARGS__);                           \
	if (use_trace_printk)                                           \
		trace_printk(TAG fmt "\n", ##__VA_ARGS__);              \
} while (0)

static const char *dir_name(enum dma_data_direction d)
{
	switch (d) {
	case DMA_BIDIRECTIONAL: return "BIDIRECTIONAL";
	case DMA_TO_DEVICE: return "TO_DEVICE";
	case DMA_FROM_DEVICE: return "FROM_DEVICE";
	default: return "NONE";
	}
}

static const char *drv_name(struct pci_dev *p)
{
	return p->dev.driver ? p->dev.driver->name : "(none)";
}

/* "none", "identity", "DMA", "DMA-FQ" — what sits between the device and memory. */
static const char *iommu_kind(struct device *dev)
{
	struct iommu_domain *d = iommu_get_domain_for_dev(dev);

	if (!d)
		return "none";
	switch (d->type) {
	case IOMMU_DOMAIN_IDENTITY: return "identity";
	case IOMMU_DOMAIN_DMA: return "DMA";
	case IOMMU_DOMAIN_DMA_FQ: return "DMA-FQ";
	default: return "other";
	}
}

static bool translated(struct device *dev)
{
	struct iommu_domain *d = iommu_get_domain_for_dev(dev);

	return d && (d->type & __IOMMU_DOMAIN_DMA_API);
}

static struct page *p2p_page(int i)
{
	return virt_to_page(p2p_buf + i * PAGE_SIZE);
}

static bool is_p2p(struct page *pg)
{
	return is_pci_p2pdma_page(pg);
}

static void show_in(const char *cs, struct scatterlist *sgl, int nents)
{
	struct scatterlist *s;
	int i;

	for_each_sg(sgl, s, nents, i)
		say("case=%s   in[%d] phys=0x%llx off=0x%x len=0x%x %s", cs, i,
		    (unsigned long long)sg_phys(s), s->offset, s->length,
		    is_p2p(sg_page(s)) ? "p2p" : "mem");
}

static void show_out(const char *cs, struct scatterlist *sgl, int ents)
{
	struct scatterlist *s;
	int i;

	for_each_sg(sgl, s, ents, i)
		say("case=%s   out[%d] dma=0x%llx len=0x%x%s", cs, i,
		    (unsigned long long)sg_dma_address(s), sg_dma_len(s),
		    sg_dma_is_bus_address(s) ? " bus-addr" : "");
}

/* dma_map_sg() (or dma_map_sgtable() when sgt) with a log line before and after. */
static int map_sg(const char *cs, struct pci_dev *p, struct scatterlist *sgl, int nents,
		  enum dma_data_direction dir, struct sg_table *sgt)
{
	int ents, ret = 0;

	seq++;
	say("case=%s seq=%d op=map api=%s dev=%s drv=%s iommu=%s dir=%s nents=%d",
	    cs, seq, sgt ? "dma_map_sgtable" : "dma_map_sg", pci_name(p), drv_name(p),
	    iommu_kind(&p->dev), dir_name(dir), nents);
	show_in(cs, sgl, nents);
	if (sgt) {
		ret = dma_map_sgtable(&p->dev, sgt, dir, 0);
		ents = ret ? 0 : sgt->nents;
	} else {
		ents = dma_map_sg(&p->dev, sgl, nents, dir);
	}
	say("case=%s seq=%d op=map-result dev=%s ents=%d ret=%d", cs, seq, pci_name(p), ents, ret);
	if (ents > 0)
		show_out(cs, sgl, ents);
	return ents;
}

static void unmap_sg(const char *cs, struct pci_dev *p, struct scatterlist *sgl, int nents,
		     enum dma_data_direction dir, const char *why)
{
	seq++;
	say("case=%s seq=%d op=unmap%s%s dev=%s dir=%s nents=%d", cs, seq,
	    why ? "-" : "", why ? why : "", pci_name(p), dir_name(dir), nents);
	dma_unmap_sg(&p->dev, sgl, nents, dir);
}

/* -------------------------------------------------------------------- memory */

#define MAXPAGES 64
static struct page *mem_blocks[MAXPAGES];
static int mem_orders[MAXPAGES];
static int nblocks;

static struct page *mem_alloc_gfp(int order, gfp_t gfp)
{
	struct page *pg = alloc_pages(gfp | __GFP_ZERO | __GFP_NOWARN, order);

	if (pg && nblocks < MAXPAGES) {
		mem_blocks[nblocks] = pg;
		mem_orders[nblocks++] = order;
	}
	return pg;
}

static struct page *mem_alloc(int order)
{
	return mem_alloc_gfp(order, GFP_KERNEL);
}

/* Leaked on purpose (the never-unmapped case keeps it mapped): not freed at exit. */
static void mem_forget(struct page *pg)
{
	int i;

	for (i = 0; i < nblocks; i++)
		if (mem_blocks[i] == pg)
			mem_blocks[i] = NULL;
}

/* -------------------------------------------------------------------- cases */

/* P2P-only list: three entries in three CMB pages at page offsets 0x200, 0, 0x100. */
static void case_p2p_only(const char *cs, struct pci_dev *client, enum dma_data_direction dir)
{
	struct scatterlist sg[3];
	struct sg_table sgt = { .sgl = sg, .orig_nents = 3, .nents = 3 };
	int ents;

	sg_init_table(sg, 3);
	sg_set_page(&sg[0], p2p_page(0), PAGE_SIZE - 0x200, 0x200);
	sg_set_page(&sg[1], p2p_page(1), PAGE_SIZE, 0);
	sg_set_page(&sg[2], p2p_page(3), 0x800, 0x100);
	ents = map_sg(cs, client, sg, 3, dir, &sgt);
	if (ents > 0)
		unmap_sg(cs, client, sg, 3, dir, NULL);
}

/* Mixed list: memory, P2P, memory, memory, P2P, at offsets 0x80, 0x40, 0, 0, 0x600. */
static void case_mixed(const char *cs, struct pci_dev *client, enum dma_data_direction dir)
{
	struct scatterlist sg[5];
	struct sg_table sgt = { .sgl = sg, .orig_nents = 5, .nents = 5 };
	struct page *m = mem_alloc(2);
	int ents;

	if (!m) {
		say("case=%s skipped: no memory", cs);
		return;
	}
	sg_init_table(sg, 5);
	sg_set_page(&sg[0], m, PAGE_SIZE - 0x80, 0x80);
	sg_set_page(&sg[1], p2p_page(4), 0x7c0, 0x40);
	sg_set_page(&sg[2], m + 1, PAGE_SIZE, 0);
	sg_set_page(&sg[3], m + 2, PAGE_SIZE, 0);
	sg_set_page(&sg[4], p2p_page(5), 0x200, 0x600);
	ents = map_sg(cs, client, sg, 5, dir, &sgt);
	if (ents > 0)
		unmap_sg(cs, client, sg, 5, dir, NULL);
}

static void case_zero_len(const char *cs, struct pci_dev *client, unsigned int zoff)
{
	struct scatterlist sg[3];
	/* dma_map_sgtable: returns the errno (dma-iommu refuses one of these with -EINVAL) */
	struct sg_table sgt = { .sgl = sg, .orig_nents = 3, .nents = 3 };
	struct page *m = mem_alloc(2);
	int ents;

	if (!m)
		return;
	sg_init_table(sg, 3);
	sg_set_page(&sg[0], m, PAGE_SIZE, 0);
	sg_set_page(&sg[1], m + 1, 0, zoff);          /* the zero-length entry */
	sg_set_page(&sg[2], m + 2, PAGE_SIZE - 0x400, 0x400);
	ents = map_sg(cs, client, sg, 3, DMA_TO_DEVICE, &sgt);
	if (ents > 0)
		unmap_sg(cs, client, sg, 3, DMA_TO_DEVICE, NULL);
}

/* One entry longer than the device's max_segment_size (128 KiB - 0x400 for 64 KiB). */
static void case_max_seg(const char *cs, struct pci_dev *client)
{
	struct scatterlist sg[2];
	unsigned int max = dma_get_max_seg_size(&client->dev);
	struct page *m = mem_alloc(5);
	struct page *m2 = mem_alloc(0);
	int ents;

	if (!m || !m2)
		return;
	say("case=%s dev=%s max_segment_size=0x%x", cs, pci_name(client), max);
	sg_init_table(sg, 2);
	sg_set_page(&sg[0], m, min_t(unsigned int, 32 * PAGE_SIZE, 2 * max) - 0x400, 0x200);
	sg_set_page(&sg[1], m2, 0x800, 0);
	ents = map_sg(cs, client, sg, 2, DMA_TO_DEVICE, NULL);
	if (ents > 0)
		unmap_sg(cs, client, sg, 2, DMA_TO_DEVICE, NULL);
}

/* One entry across the device's segment boundary (0xffff for ata_piix). */
static void case_boundary(const char *cs, struct pci_dev *client)
{
	struct scatterlist sg[2];
	unsigned long mask = dma_get_seg_boundary(&client->dev);
	struct page *m, *m2;
	int ents, order;
	unsigned long span = mask + 1;

	say("case=%s dev=%s segment_boundary_mask=0x%lx max_segment_size=0x%x", cs,
	    pci_name(client), mask, dma_get_max_seg_size(&client->dev));
	if (mask >= 0x7fffff) {
		say("case=%s skipped: boundary 0x%lx too large to cross with a page allocation", cs, mask);
		return;
	}
	order = get_order(2 * span);      /* a block aligned to 2 * span: crosses span inside */
	/*
	 * Below the device's DMA mask (ata_piix: 32 bits), or dma-direct bounces
	 * the entry through swiotlb, whose slots respect the boundary.
	 */
	m = mem_alloc_gfp(order, dma_get_mask(&client->dev) <= DMA_BIT_MASK(32) ? GFP_DMA32 : GFP_KERNEL);
	m2 = mem_alloc_gfp(0, dma_get_mask(&client->dev) <= DMA_BIT_MASK(32) ? GFP_DMA32 : GFP_KERNEL);
	if (!m || !m2)
		return;
	sg_init_table(sg, 2);
	sg_set_page(&sg[0], m2, 0x600, 0x200);
	/* 8 KiB starting 4 KiB + 0x100 before the boundary inside the block */
	sg_set_page(&sg[1], m, 0x2000, span - PAGE_SIZE - 0x100);
	ents = map_sg(cs, client, sg, 2, DMA_FROM_DEVICE, NULL);
	if (ents > 0)
		unmap_sg(cs, client, sg, 2, DMA_FROM_DEVICE, NULL);
}

static void case_wrong_dir(const char *cs, struct pci_dev *client)
{
	struct scatterlist sg[2];
	struct page *m = mem_alloc(1);
	int ents;

	if (!m)
		return;
	sg_init_table(sg, 2);
	sg_set_page(&sg[0], m, PAGE_SIZE - 0x100, 0x100);
	sg_set_page(&sg[1], p2p_page(6), 0x400, 0x300);
	ents = map_sg(cs, client, sg, 2, DMA_TO_DEVICE, NULL);
	if (ents > 0)
		unmap_sg(cs, client, sg, 2, DMA_FROM_DEVICE, "wrong-dir");
}

/*
 * Unmap with fewer entries than mapped. Safe under an IOMMU only when output 0
 * covers the whole IOVA range (ents == 1): then the short unmap still unmaps
 * all of it. Otherwise the correct unmap is done and the log says so.
 */
static void case_wrong_nents(const char *cs, struct pci_dev *client)
{
	struct scatterlist sg[3];
	struct page *m = mem_alloc(2);
	int ents;

	if (!m)
		return;
	sg_init_table(sg, 3);
	sg_set_page(&sg[0], m, PAGE_SIZE, 0);
	sg_set_page(&sg[1], m + 1, PAGE_SIZE, 0);
	sg_set_page(&sg[2], m + 2, PAGE_SIZE, 0);
	ents = map_sg(cs, client, sg, 3, DMA_FROM_DEVICE, NULL);
	if (ents <= 0)
		return;
	if (translated(&client->dev) && ents != 1)
		unmap_sg(cs, client, sg, 3, DMA_FROM_DEVICE, "correct(ents>1-under-iommu-would-leak-iova)");
	else
		unmap_sg(cs, client, sg, 2, DMA_FROM_DEVICE, "wrong-nents");
}

/*
 * Double unmap. On a P2P list whose outputs are all bus addresses (no IOVA):
 * harmless everywhere. On memory: only where the device is not translated
 * (a second IOVA free would corrupt the allocator).
 */
static void case_double_unmap(const char *cs, struct pci_dev *client, bool p2p)
{
	struct scatterlist sg[2], copy[2], *s;
	struct page *m = p2p ? NULL : mem_alloc(1);
	bool all_bus = true;
	int ents, i;

	if (!p2p && !m)
		return;
	sg_init_table(sg, 2);
	if (p2p) {
		sg_set_page(&sg[0], p2p_page(2), 0x800, 0x800);
		sg_set_page(&sg[1], p2p_page(7), 0xa00, 0x200);
	} else {
		sg_set_page(&sg[0], m, PAGE_SIZE - 0x800, 0x800);
		sg_set_page(&sg[1], m + 1, 0xa00, 0x200);
	}
	ents = map_sg(cs, client, sg, 2, DMA_TO_DEVICE, NULL);
	if (ents <= 0)
		return;
	for_each_sg(sg, s, ents, i)
		all_bus &= sg_dma_is_bus_address(s);
	/*
	 * The first unmap clears the bus-address marks; unmapping the same array
	 * again would then hand the bus addresses to the IOMMU as IOVAs. The
	 * second unmap therefore uses a copy of the list taken right after the
	 * map (as a driver that kept two references to one mapped table would).
	 */
	memcpy(copy, sg, sizeof(sg));
	unmap_sg(cs, client, sg, 2, DMA_TO_DEVICE, "first");
	if (translated(&client->dev) && !all_bus) {
		say("case=%s seq=%d skipped: second unmap of IOVA-mapped memory would double-free the IOVA", cs, seq);
		return;
	}
	unmap_sg(cs, client, copy, 2, DMA_TO_DEVICE, "second");
}

static void case_sync_after_unmap(const char *cs, struct pci_dev *client)
{
	struct scatterlist sg[2];
	struct page *m = mem_alloc(1);
	dma_addr_t a;
	int ents;

	if (!m)
		return;
	sg_init_table(sg, 2);
	sg_set_page(&sg[0], m, 0x1000 - 0x300, 0x300);
	sg_set_page(&sg[1], m + 1, 0x800, 0);
	ents = map_sg(cs, client, sg, 2, DMA_FROM_DEVICE, NULL);
	if (ents <= 0)
		return;
	unmap_sg(cs, client, sg, 2, DMA_FROM_DEVICE, NULL);
	seq++;
	say("case=%s seq=%d op=sync-sg-for-cpu-after-unmap dev=%s dir=FROM_DEVICE nents=2", cs, seq, pci_name(client));
	dma_sync_sg_for_cpu(&client->dev, sg, 2, DMA_FROM_DEVICE);

	/* and the single-mapping form of it */
	seq++;
	a = dma_map_page(&client->dev, m, 0x40, 0x200, DMA_FROM_DEVICE);
	if (dma_mapping_error(&client->dev, a)) {
		say("case=%s seq=%d op=map-page failed", cs, seq);
		return;
	}
	say("case=%s seq=%d op=map-page dev=%s phys=0x%llx dma=0x%llx len=0x200 dir=FROM_DEVICE", cs, seq,
	    pci_name(client), (unsigned long long)(page_to_phys(m) + 0x40), (unsigned long long)a);
	dma_unmap_page(&client->dev, a, 0x200, DMA_FROM_DEVICE);
	seq++;
	say("case=%s seq=%d op=unmap-page dev=%s dma=0x%llx", cs, seq, pci_name(client), (unsigned long long)a);
	seq++;
	say("case=%s seq=%d op=sync-single-for-cpu-after-unmap dev=%s dma=0x%llx len=0x200", cs, seq,
	    pci_name(client), (unsigned long long)a);
	dma_sync_single_for_cpu(&client->dev, a, 0x200, DMA_FROM_DEVICE);
}

/* A mixed mapping that is never unmapped (its memory is leaked with it). */
static void case_never_unmapped(const char *cs, struct pci_dev *client)
{
	static struct scatterlist sg[2];   /* stays referenced, like the mapping */
	struct page *m = mem_alloc(0);
	int ents;

	if (!m)
		return;
	sg_init_table(sg, 2);
	sg_set_page(&sg[0], m, 0xc00, 0x400);
	sg_set_page(&sg[1], p2p_page(6), 0x100, 0xe00);
	ents = map_sg(cs, client, sg, 2, DMA_BIDIRECTIONAL, NULL);
	if (ents > 0) {
		mem_forget(m);
		say("case=%s seq=%d left mapped on purpose", cs, seq);
	}
}

/* -------------------------------------------------------------------- setup */

static void describe(const char *role, struct pci_dev *p)
{
	if (!p) {
		say("role=%s absent", role);
		return;
	}
	say("role=%s dev=%s vendor=%04x device=%04x class=%06x drv=%s iommu=%s dma_mask=0x%llx max_segment_size=0x%x segment_boundary_mask=0x%lx",
	    role, pci_name(p), p->vendor, p->device, p->class, drv_name(p), iommu_kind(&p->dev),
	    (unsigned long long)dma_get_mask(&p->dev), dma_get_max_seg_size(&p->dev),
	    dma_get_seg_boundary(&p->dev));
	if (provider && p != provider) {
		struct device *c = &p->dev;
		int dist = pci_p2pdma_distance_many(provider, &c, 1, false);

		say("role=%s p2p provider=%s client=%s distance=%d", role, pci_name(provider), pci_name(p), dist);
	}
}

static int __init sgreplay_p2p_init(void)
{
	struct pci_dev *p = NULL;

	while ((p = pci_get_device(PCI_ANY_ID, PCI_ANY_ID, p))) {
		if (!provider && pci_has_p2pmem(p)) {
			provider = pci_dev_get(p);
			continue;
		}
		if (p->class == PCI_CLASS_STORAGE_EXPRESS && !nvme && p != provider)
			nvme = pci_dev_get(p);
		else if (p->class == PCI_CLASS_STORAGE_SATA_AHCI && !ahci)
			ahci = pci_dev_get(p);
		else if ((p->class >> 8) == PCI_CLASS_STORAGE_IDE && !pata)
			pata = pci_dev_get(p);
	}
	describe("provider", provider);
	describe("nvme", nvme);
	describe("ahci", ahci);
	describe("pata", pata);
	if (!provider) {
		say("no P2P memory published (no NVMe CMB?): nothing to do");
		goto out;
	}
	p2p_buf = pci_alloc_p2pmem(provider, p2p_size);
	if (!p2p_buf) {
		say("pci_alloc_p2pmem(%s, %zu) failed", pci_name(provider), p2p_size);
		goto out;
	}
	say("p2pmem dev=%s virt=%px phys=0x%llx bus=0x%llx size=0x%zx", pci_name(provider), p2p_buf,
	    (unsigned long long)virt_to_phys(p2p_buf),
	    (unsigned long long)pci_p2pmem_virt_to_bus(provider, p2p_buf), p2p_size);

	say("begin");
	if (nvme) {
		case_p2p_only("p2p-only", nvme, DMA_TO_DEVICE);
		case_mixed("mixed", nvme, DMA_FROM_DEVICE);
	}
	if (ahci) {
		case_p2p_only("p2p-only-ahci", ahci, DMA_TO_DEVICE);
		case_mixed("mixed-ahci", ahci, DMA_FROM_DEVICE);
	}
	if (nvme) {
		case_zero_len("zero-len-off0", nvme, 0);
		case_zero_len("zero-len-offN", nvme, 0x300);
	}
	if (ahci)
		case_max_seg("max-segment-size", ahci);
	if (pata)
		case_boundary("segment-boundary", pata);
	if (nvme) {
		case_wrong_dir("unmap-wrong-dir", nvme);
		case_wrong_nents("unmap-wrong-nents", nvme);
		case_double_unmap("double-unmap", nvme, true);
		if (!translated(&nvme->dev))
			case_double_unmap("double-unmap-mem", nvme, false);
		case_sync_after_unmap("sync-after-unmap", nvme);
		case_never_unmapped("never-unmapped", nvme);
	}
	say("end seq=%d", seq);
out:
	return 0;   /* stays loaded: the never-unmapped mapping and its memory stay live */
}

static void __exit sgreplay_p2p_exit(void)
{
	int i;

	for (i = 0; i < nblocks; i++)
		if (mem_blocks[i])
			__free_pages(mem_blocks[i], mem_orders[i]);
	if (p2p_buf)
		pci_free_p2pmem(provider, p2p_buf, p2p_size);
	pci_dev_put(provider);
	pci_dev_put(nvme);
	pci_dev_put(ahci);
	pci_dev_put(pata);
}

module_init(sgreplay_p2p_init);
module_exit(sgreplay_p2p_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("sgreplay lab: P2PDMA mappings and deliberate DMA-API misuse");
