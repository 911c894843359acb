/*
 * workload.c — deterministic O_DIRECT scatter/gather I/O for the sgreplay lab.
 *
 *   workload [-n OPS] [-s SEED] [-S MAX_SECTORS_KB] [-m MAX_IOVECS] /dev/nvme0n1 [/dev/sda ...]
 *
 * For every block device: OPS I/Os (default 600), as OPS/2 pairs of a pwritev
 * followed by a preadv of the same disk range with a *different* iovec layout,
 * and the data read back is compared with what was written (so a bounce buffer
 * or IOMMU mapping that moved bytes to the wrong place shows up here too, not
 * only in the replay).
 *
 * The layouts are chosen from the queue's own limits in sysfs
 * (/sys/block/<dev>/queue/...), because those are what the DMA mapping sees:
 *   - buffer addresses that are multiples of dma_alignment+1 but not page
 *     aligned (NVMe allows 4-byte, SCSI/AHCI 4- or 512-byte alignment on 6.12),
 *   - up to max_segments iovecs per call, every length a multiple of the
 *     logical block size (the only length rule O_DIRECT on a block device has),
 *   - single iovecs of max_segment_size and whole I/Os of max_hw_sectors
 *     (capped; see -S), from a transparent-huge-page buffer so that long
 *     physically contiguous runs exist,
 *   - buffers placed to straddle 4 KiB and 64 KiB boundaries,
 *   - "page-chained" lists (misaligned first entry ending on a page boundary,
 *     whole pages after it) that a virt_boundary queue maps as one list.
 * Everything comes from a fixed-seed xorshift generator: the same seed and the
 * same limits give the same I/O sequence.
 *
 * Built statically on the host (gcc -static -O2) and run inside the guest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#define KIB 1024UL
#define MIB (1024UL * KIB)
#define BUF_SIZE (32 * MIB)     /* per direction; 2 MiB aligned for THP */
#define MAX_IO_BYTES (8 * MIB)  /* cap for the "max_hw_sectors" I/Os */
#define MAX_IOV 1024            /* IOV_MAX */

static uint64_t rng_state;
static uint64_t rnd(void)
{
	/* xorshift64*: small, deterministic, good enough for layouts */
	uint64_t x = rng_state;
	x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
	rng_state = x;
	return x * 0x2545F4914F6CDD1DULL;
}
static uint64_t rnd_range(uint64_t lo, uint64_t hi) /* inclusive */
{
	return hi <= lo ? lo : lo + rnd() % (hi - lo + 1);
}

struct limits {
	unsigned long dma_align;   /* dma_alignment + 1 (sysfs shows the mask) */
	unsigned long lbs;         /* logical_block_size */
	unsigned long max_segs;
	unsigned long max_seg_size;
	unsigned long max_hw_bytes;
	unsigned long max_bytes;   /* max_sectors_kb after our raise */
	unsigned long virt_boundary;
};

static unsigned long read_ul(const char *dev, const char *attr, unsigned long dflt)
{
	char path[256], buf[64];
	snprintf(path, sizeof path, "/sys/block/%s/queue/%s", dev, attr);
	FILE *f = fopen(path, "r");
	if (!f)
		return dflt;
	unsigned long v = dflt;
	if (fgets(buf, sizeof buf, f))
		v = strtoul(buf, NULL, 0);
	fclose(f);
	return v;
}

static void write_ul(const char *dev, const char *attr, unsigned long v)
{
	char path[256];
	snprintf(path, sizeof path, "/sys/block/%s/queue/%s", dev, attr);
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "%lu\n", v);
	fclose(f);
}

static void *alloc_buffer(void)
{
	/* 2 MiB aligned, THP requested: long physically contiguous runs let the
	 * block layer build segments up to max_segment_size. */
	size_t len = BUF_SIZE + 2 * MIB;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	char *a = (char *)(((uintptr_t)p + 2 * MIB - 1) & ~(uintptr_t)(2 * MIB - 1));
	madvise(a, BUF_SIZE, MADV_HUGEPAGE);
	memset(a, 0, BUF_SIZE); /* fault everything in before tracing matters */
	return a;
}

/* A misaligned offset inside the buffer: a multiple of dma_align, never page
 * aligned (unless dma_align is a whole page), optionally just below a 4 KiB or
 * 64 KiB boundary so that the first entry straddles it. */
static unsigned long pick_offset(const struct limits *l, unsigned long len, int kind)
{
	unsigned long a = l->dma_align, off;
	unsigned long limit = BUF_SIZE - len - 64 * KIB;
	unsigned long steps = a < 4096 ? 4096 / a - 1 : 1; /* dma-aligned spots below a page end */
	switch (kind) {
	case 0: /* straddle a 4 KiB boundary */
		off = rnd_range(1, limit / (4 * KIB)) * 4 * KIB - a * rnd_range(1, steps);
		break;
	case 1: /* straddle a 64 KiB boundary */
		off = rnd_range(1, limit / (64 * KIB)) * 64 * KIB - a * rnd_range(1, 8);
		break;
	default: /* anywhere, dma-aligned */
		off = rnd_range(0, limit / a) * a;
		break;
	}
	if (a < 4096 && off % 4096 == 0)
		off += a;
	off = off / a * a;
	if (off + len > BUF_SIZE)
		off = (BUF_SIZE - len) / a * a;
	return off;
}

static void fill(char *p, size_t len, uint64_t tag)
{
	for (size_t i = 0; i + 8 <= len; i += 8) {
		uint64_t v = tag ^ (i * 0x9E3779B97F4A7C15ULL);
		memcpy(p + i, &v, 8);
	}
}

/* Shape 2, "page-chained": the first entry starts misaligned and ends on a
 * page boundary, the middle ones are whole pages, the last starts on a page
 * boundary; one or two unused pages between entries keep them physically
 * apart. This is the only scattered layout that a queue with a virt_boundary
 * (NVMe's PRP rule) takes as one multi-segment request instead of splitting
 * it, so it is what makes NVMe use dma_map_sg rather than dma_map_page. */
static int build_chained(const struct limits *l, char *buf, unsigned long total, int n,
			 struct iovec *iov)
{
	unsigned long a = l->dma_align < l->lbs ? l->lbs : l->dma_align; /* lengths are lbs multiples */
	unsigned long pos = rnd_range(0, 64) * 4096 + (a < 4096 ? a * rnd_range(1, 4096 / a - 1) : 0);
	unsigned long left = total;
	int i = 0;
	while (left && i < MAX_IOV) {
		unsigned long len = (4096 - pos % 4096) + 4096 * rnd_range(0, 3);
		if (i == n - 1 || len > left)
			len = left; /* the last entry takes the rest, any length */
		if (pos + len > BUF_SIZE)
			return -1;
		iov[i].iov_base = buf + pos;
		iov[i].iov_len = len;
		left -= len;
		i++;
		pos = ((pos + len + 4095) & ~4095UL) + 4096 * rnd_range(1, 2);
	}
	return left ? -1 : i;
}

/* Build an iovec layout covering `total` bytes (a multiple of lbs) inside buf. */
static int build_layout(const struct limits *l, char *buf, unsigned long total, int nseg_want,
			int shape, struct iovec *iov)
{
	unsigned long lbs = l->lbs;
	if (shape == 2) {
		int c = build_chained(l, buf, total, nseg_want < 2 ? 2 : nseg_want, iov);
		if (c > 0)
			return c;
		shape = 0; /* did not fit: fall back to one contiguous run */
	}
	unsigned long blocks = total / lbs;
	int n = nseg_want;
	if (n < 1) n = 1;
	if ((unsigned long)n > blocks) n = (int)blocks;
	if (n > MAX_IOV) n = MAX_IOV;
	/* split `blocks` into n non-empty parts */
	unsigned long left = blocks;
	for (int i = 0; i < n; i++) {
		unsigned long parts_left = (unsigned long)(n - i);
		unsigned long maxb = left - (parts_left - 1);
		unsigned long b = parts_left == 1 ? left : rnd_range(1, maxb < 2 * (left / parts_left) ? maxb : 2 * (left / parts_left));
		if (b < 1) b = 1;
		iov[i].iov_len = b * lbs;
		left -= b;
	}
	if (shape == 0) {
		/* one contiguous run of memory, each iovec right after the previous:
		 * the block layer (and an IOMMU) may merge them back together */
		unsigned long off = pick_offset(l, total, (int)rnd_range(0, 1));
		for (int i = 0; i < n; i++) {
			iov[i].iov_base = buf + off;
			off += iov[i].iov_len;
		}
	} else {
		/* scattered: every iovec at its own misaligned place; with many
		 * entries, go through the buffer in order so they never overlap */
		unsigned long stride = (BUF_SIZE - 128 * KIB) / (unsigned long)n / l->dma_align * l->dma_align;
		unsigned long base = 0;
		for (int i = 0; i < n; i++) {
			unsigned long len = iov[i].iov_len, off;
			if (len + 2 * l->dma_align + 8 * KIB < stride) {
				unsigned long room = stride - len - 8 * KIB;
				off = base + rnd_range(1, room / l->dma_align) * l->dma_align;
				if (rnd() % 3 == 0) { /* land just under a 4 KiB boundary */
					unsigned long b4 = (off + 4 * KIB) & ~(4 * KIB - 1);
					if (b4 > base + l->dma_align && b4 - l->dma_align + len < base + stride)
						off = b4 - l->dma_align * rnd_range(1, l->dma_align <= 512 ? 8 : 1);
				}
			} else {
				off = base;
				if (l->dma_align < 4096)
					off += l->dma_align;
			}
			iov[i].iov_base = buf + off;
			base += stride;
		}
	}
	return n;
}

static long run_disk(const char *path, int ops, uint64_t seed, unsigned long max_sectors_kb_cap,
		     unsigned long max_iov)
{
	const char *dev = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	struct limits l;
	l.dma_align = read_ul(dev, "dma_alignment", 511) + 1;
	l.lbs = read_ul(dev, "logical_block_size", 512);
	l.max_segs = read_ul(dev, "max_segments", 128);
	l.max_seg_size = read_ul(dev, "max_segment_size", 65536);
	l.max_hw_bytes = read_ul(dev, "max_hw_sectors_kb", 512) * KIB;
	l.virt_boundary = read_ul(dev, "virt_boundary_mask", 0);
	unsigned long old_max_kb = read_ul(dev, "max_sectors_kb", 512);
	/* Let requests grow to the hardware limit (the soft default is lower),
	 * but only up to the cap: a 32 MiB AHCI request is slow under TCG and
	 * gives one enormous trace line. */
	unsigned long want_kb = l.max_hw_bytes / KIB;
	if (want_kb > max_sectors_kb_cap) want_kb = max_sectors_kb_cap;
	if (want_kb > old_max_kb) write_ul(dev, "max_sectors_kb", want_kb);
	l.max_bytes = read_ul(dev, "max_sectors_kb", old_max_kb) * KIB;
	if (l.dma_align < 4) l.dma_align = 4;
	if (l.max_segs > MAX_IOV) l.max_segs = MAX_IOV;
	if (max_iov && l.max_segs > max_iov) l.max_segs = max_iov; /* -m: see init.sh */

	int fd = open(path, O_RDWR | O_DIRECT);
	if (fd < 0) {
		fprintf(stderr, "workload: open %s: %s\n", path, strerror(errno));
		return -1;
	}
	unsigned long long disk_bytes = 0;
	if (ioctl(fd, BLKGETSIZE64, &disk_bytes) < 0) /* a plain file, when trying it out */
		disk_bytes = (unsigned long long)lseek(fd, 0, SEEK_END);
	if (disk_bytes < 64 * MIB) {
		fprintf(stderr, "workload: %s: size %llu too small or unknown\n", path, disk_bytes);
		return -1;
	}
	printf("workload: %s dma_alignment=%lu lbs=%lu max_segments=%lu max_segment_size=%lu "
	       "max_hw_sectors_kb=%lu max_sectors_kb=%lu->%lu virt_boundary_mask=0x%lx iovecs<=%lu\n",
	       path, l.dma_align - 1, l.lbs, read_ul(dev, "max_segments", 128), l.max_seg_size,
	       l.max_hw_bytes / KIB, old_max_kb, l.max_bytes / KIB, l.virt_boundary, l.max_segs);

	char *wbuf = alloc_buffer(), *rbuf = alloc_buffer();
	static struct iovec wiov[MAX_IOV], riov[MAX_IOV];
	rng_state = seed ^ (uint64_t)strlen(dev) * 0x100000001B3ULL;
	for (const char *c = dev; *c; c++)
		rng_state = (rng_state ^ (uint8_t)*c) * 0x100000001B3ULL;
	if (!rng_state) rng_state = 1;

	unsigned long big = l.max_hw_bytes;
	if (big > MAX_IO_BYTES) big = MAX_IO_BYTES;
	unsigned long seg = l.max_seg_size;
	if (seg > 4 * MIB) seg = 4 * MIB;
	long ios = 0, bytes = 0, bad = 0, errs = 0, maxiov = 0;
	for (int pair = 0; pair < ops / 2; pair++) {
		unsigned long total;
		int nw, nr, wshape, rshape;
		switch (pair % 8) {
		case 0: /* small, one entry, straddling 4 KiB */
			total = rnd_range(1, 16) * l.lbs; nw = 1; nr = 1; wshape = 0; rshape = 0;
			break;
		case 1: /* max_segments tiny scattered entries */
			total = l.max_segs * l.lbs; nw = (int)l.max_segs; nr = (int)rnd_range(1, l.max_segs);
			wshape = 1; rshape = 1;
			break;
		case 2: /* one entry of exactly max_segment_size (capped), straddling 64 KiB */
			total = seg / l.lbs * l.lbs; nw = 1; nr = (int)rnd_range(2, 8); wshape = 0; rshape = 2;
			break;
		case 3: /* the largest request the queue takes, in max_segment_size pieces */
			total = (pair % 16 == 3 ? big : l.max_bytes) / l.lbs * l.lbs;
			nw = (int)((total + seg - 1) / seg); nr = (int)rnd_range(1, l.max_segs);
			if ((unsigned long)nw > l.max_segs) nw = (int)l.max_segs;
			wshape = 0; rshape = (int)rnd_range(1, 2);
			break;
		case 4: /* many contiguous entries that can merge */
			total = rnd_range(8, 256) * l.lbs; nw = (int)rnd_range(2, l.max_segs); nr = 1;
			wshape = 0; rshape = 0;
			break;
		case 5: /* page-chained scatter, up to max_segments entries */
			nw = (int)rnd_range(2, l.max_segs); nr = (int)rnd_range(2, l.max_segs);
			total = (unsigned long)nw * 2 * 4096; wshape = 2; rshape = 2;
			break;
		default: /* random mix */
			total = rnd_range(1, 1024) * l.lbs; nw = (int)rnd_range(1, l.max_segs);
			nr = (int)rnd_range(1, l.max_segs); wshape = (int)rnd_range(0, 2); rshape = (int)rnd_range(0, 2);
			break;
		}
		if (total > BUF_SIZE / 2) total = BUF_SIZE / 2 / l.lbs * l.lbs;
		if (total < l.lbs) total = l.lbs;
		unsigned long long pos = rnd_range(0, (disk_bytes - total) / 4096) * 4096;
		int cw = build_layout(&l, wbuf, total, nw, wshape, wiov);
		int cr = build_layout(&l, rbuf, total, nr, rshape, riov);
		if (cw > maxiov) maxiov = cw;
		if (cr > maxiov) maxiov = cr;
		uint64_t tag = seed * 1000003ULL + (uint64_t)pair;
		unsigned long done = 0;
		for (int i = 0; i < cw; i++) {
			fill(wiov[i].iov_base, wiov[i].iov_len, tag + done);
			done += wiov[i].iov_len;
		}
		ssize_t w = pwritev(fd, wiov, cw, (off_t)pos);
		ios++;
		if (w != (ssize_t)total) {
			fprintf(stderr, "workload: %s pair %d pwritev(%d iov, %lu bytes @%llu) = %zd: %s\n",
				path, pair, cw, total, pos, w, w < 0 ? strerror(errno) : "short");
			errs++;
			continue;
		}
		ssize_t r = preadv(fd, riov, cr, (off_t)pos);
		ios++;
		if (r != (ssize_t)total) {
			fprintf(stderr, "workload: %s pair %d preadv(%d iov, %lu bytes @%llu) = %zd: %s\n",
				path, pair, cr, total, pos, r, r < 0 ? strerror(errno) : "short");
			errs++;
			continue;
		}
		bytes += 2 * (long)total;
		/* compare: gather both sides into linear order */
		unsigned long wi = 0, wo = 0, ri = 0, ro = 0, left = total;
		while (left) {
			unsigned long a = wiov[wi].iov_len - wo, b = riov[ri].iov_len - ro;
			unsigned long c = a < b ? a : b;
			if (memcmp((char *)wiov[wi].iov_base + wo, (char *)riov[ri].iov_base + ro, c)) {
				bad++;
				fprintf(stderr, "workload: %s pair %d: data mismatch\n", path, pair);
				break;
			}
			wo += c; ro += c; left -= c;
			if (wo == wiov[wi].iov_len) { wi++; wo = 0; }
			if (ro == riov[ri].iov_len) { ri++; ro = 0; }
		}
	}
	close(fd);
	printf("workload: %s %ld I/Os, %ld bytes, max %ld iovecs/call, %ld errors, %ld mismatches\n",
	       path, ios, bytes, maxiov, errs, bad);
	return errs + bad;
}

int main(int argc, char **argv)
{
	int ops = 600, opt;
	uint64_t seed = 0x5eed5eed;
	unsigned long cap_kb = 4096, max_iov = 0;
	while ((opt = getopt(argc, argv, "n:s:S:m:")) != -1) {
		switch (opt) {
		case 'n': ops = atoi(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'S': cap_kb = strtoul(optarg, NULL, 0); break;
		case 'm': max_iov = strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: workload [-n OPS] [-s SEED] [-S MAX_SECTORS_KB] [-m MAX_IOVECS] DEV...\n");
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: workload [-n OPS] [-s SEED] [-S MAX_SECTORS_KB] [-m MAX_IOVECS] DEV...\n");
		return 2;
	}
	long failures = 0;
	for (int i = optind; i < argc; i++) {
		long f = run_disk(argv[i], ops, seed, cap_kb, max_iov);
		failures += f < 0 ? 1 : f;
	}
	printf("workload: seed=0x%llx ops/disk=%d: %s\n", (unsigned long long)seed, ops,
	       failures ? "FAILURES" : "ok");
	return failures ? 1 : 0;
}
