/* The hostile pointers every system call that takes one is tried with: NULL, unmapped,
 * kernel-half, read-only and page-straddling. */
#ifndef POINTERS_H
#define POINTERS_H

#include <stddef.h>
#include <sys/mman.h>

#define KERNEL_HALF ((void *)0xffff000000080000UL)

/* A writable page followed by an unmapped one (for straddling), and a read-only page. */
static char *edge_page, *read_only_page, *unmapped_page;

static int set_up_pages(void) {
    edge_page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    read_only_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (edge_page == MAP_FAILED || read_only_page == MAP_FAILED)
        return -1;
    unmapped_page = edge_page + 4096;
    return munmap(unmapped_page, 4096);
}

/* `size` bytes that end `half` bytes past the writable page's end. */
static void *straddling(size_t size, size_t half) {
    return edge_page + 4096 - (size - half);
}

#endif
