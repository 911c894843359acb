/*
 * p2pio — real driver P2PDMA I/O for the P2P lab (scripts/lab/P2P.md).
 *
 *   p2pio PROVIDER_SYSFS_DIR BLOCKDEV
 *
 * mmaps P2P memory from PROVIDER_SYSFS_DIR/p2pmem/allocate (the NVMe CMB) and
 * does O_DIRECT writes from it and reads into it on BLOCKDEV (the peer NVMe),
 * so that the nvme driver itself maps scatterlists holding P2P pages
 * (dma_map_sgtable in nvme_map_data). Each I/O is announced in the ftrace
 * buffer through trace_marker as "sgreplay_p2p: case=driver-... ". Exit status
 * 0 when all I/O succeeded and the data read back matches.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

static int marker = -1;

static void mark(const char *fmt, const char *a, long b, long c, long d)
{
	char buf[256];
	int n = snprintf(buf, sizeof buf, fmt, a, b, c, d);

	printf("%s\n", buf);
	fflush(stdout);
	if (marker >= 0 && write(marker, buf, n) < 0) { /* best effort */ }
}

int main(int argc, char **argv)
{
	char path[512];
	size_t size = 64 * 1024;
	unsigned char *p2p, *mem;
	int fd, dev, bad = 0;
	ssize_t r;

	if (argc != 3) {
		fprintf(stderr, "usage: p2pio PROVIDER_SYSFS_DIR BLOCKDEV\n");
		return 2;
	}
	marker = open("/sys/kernel/tracing/trace_marker", O_WRONLY);
	snprintf(path, sizeof path, "%s/p2pmem/allocate", argv[1]);
	fd = open(path, O_RDWR);
	if (fd < 0) { perror(path); return 1; }
	p2p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p2p == MAP_FAILED) { perror("mmap p2pmem"); return 1; }
	dev = open(argv[2], O_RDWR | O_DIRECT);
	if (dev < 0) { perror(argv[2]); return 1; }
	if (posix_memalign((void **)&mem, 4096, size)) return 1;

	for (size_t i = 0; i < size; i++)
		p2p[i] = (unsigned char)(i * 7 + 3);
	/* 1: whole 64 KiB from P2P memory to the disk (device reads the CMB) */
	mark("sgreplay_p2p: case=driver-p2p-write op=pwrite dev=%s len=0x%lx off=0x%lx iovs=%ld", argv[2], (long)size, 0L, 1L);
	r = pwrite(dev, p2p, size, 0);
	if (r != (ssize_t)size) { fprintf(stderr, "pwrite from p2pmem: %zd (%s)\n", r, strerror(errno)); bad = 1; }
	/* 2: read it back into ordinary memory and compare */
	mark("sgreplay_p2p: case=driver-mem-read op=pread dev=%s len=0x%lx off=0x%lx iovs=%ld", argv[2], (long)size, 0L, 1L);
	r = pread(dev, mem, size, 0);
	if (r != (ssize_t)size || memcmp(mem, p2p, size)) { fprintf(stderr, "read back: %zd, %s\n", r, r == (ssize_t)size ? "DIFFERENT DATA" : strerror(errno)); bad = 1; }
	/* 3: mixed iovec: memory, P2P at a 512-byte offset, memory */
	{
		struct iovec iov[3] = {
			{ mem, 4096 }, { p2p + 8192 + 512, 8192 }, { mem + 16384, 4096 + 512 },
		};
		memset(mem, 0x5a, size);
		mark("sgreplay_p2p: case=driver-mixed-read op=preadv dev=%s len=0x%lx off=0x%lx iovs=%ld", argv[2], 4096L + 8192 + 4608, 0x10000L, 3L);
		r = preadv(dev, iov, 3, 0x10000);
		if (r != 4096 + 8192 + 4608) { fprintf(stderr, "preadv mixed: %zd (%s)\n", r, strerror(errno)); bad = 1; }
	}
	printf("p2pio: %s\n", bad ? "FAILED" : "ok");
	return bad;
}
