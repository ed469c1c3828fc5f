/* test-fb: the display through Linux's fbdev interface, /dev/fb0: the screen information
 * ioctls, mapping the framebuffer's device memory into the process (twice, and across fork),
 * system calls reading from and writing to that mapping, and every ioctl pointer given NULL,
 * unmapped, kernel-half, read-only and page-straddling addresses. It ends by drawing the test
 * picture (xtask/src/screendump.rs checks it: red rising left to right, green top to bottom,
 * blue in 32-pixel squares of a checkerboard) and printing `screendump: ready`; the test
 * runner then takes QEMU's screendump, checks every pixel and answers with a newline. Without
 * /dev/fb0 every test is reported skipped. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fb.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "pointers.h"

#define SUITE "fb"

static int fb = -1;
static struct fb_var_screeninfo var;
static struct fb_fix_screeninfo fix;

/* The framebuffer's bytes, rounded up to whole pages, as mmap takes them. */
static size_t mapping_size(void) {
    return (fix.smem_len + 4095) & ~(size_t)4095;
}

static uint32_t *map_pixels(int fd, int prot) {
    void *pixels = mmap(NULL, mapping_size(), prot, MAP_SHARED, fd, 0);
    return pixels == MAP_FAILED ? NULL : pixels;
}

static uint32_t colour(unsigned red, unsigned green, unsigned blue) {
    return red << var.red.offset | green << var.green.offset | blue << var.blue.offset;
}

static uint32_t *pixel(uint32_t *pixels, unsigned x, unsigned y) {
    return (uint32_t *)((char *)pixels + (size_t)y * fix.line_length) + x;
}

static long free_bytes(void) {
    struct sysinfo info;
    return sysinfo(&info) == 0 ? (long)(info.freeram * info.mem_unit) : -1;
}

static void screen_information_describes_the_display(void) {
    CHECK(var.xres > 0 && var.yres > 0);
    CHECK_EQ(var.bits_per_pixel, 32);
    CHECK(var.xres_virtual >= var.xres && var.yres_virtual >= var.yres);
    CHECK_EQ(var.red.length, 8);
    CHECK_EQ(var.green.length, 8);
    CHECK_EQ(var.blue.length, 8);
    CHECK(fix.line_length >= var.xres * 4);
    CHECK(fix.smem_len >= fix.line_length * var.yres);
    CHECK_EQ(fix.type, FB_TYPE_PACKED_PIXELS);
    CHECK_EQ(fix.visual, FB_VISUAL_TRUECOLOR);
    CHECK(fix.id[0] != 0);
}

/* As Linux's simplefb, a display whose mode the firmware fixed: setting a mode gives back the
 * one there is, and there is nothing to pan or blank. */
static void the_mode_stays_what_it_is(void) {
    struct fb_var_screeninfo request = var;
    request.xres = var.xres + 8;
    request.bits_per_pixel = 16;
    CHECK_EQ(ioctl(fb, FBIOPUT_VSCREENINFO, &request), 0);
    CHECK_EQ(request.xres, var.xres);
    CHECK_EQ(request.bits_per_pixel, 32);
    CHECK_EQ(request.red.offset, var.red.offset);
    struct fb_var_screeninfo now;
    CHECK_EQ(ioctl(fb, FBIOGET_VSCREENINFO, &now), 0);
    CHECK_EQ(now.xres, var.xres);
    request = var;
    CHECK_EQ(ioctl(fb, FBIOPAN_DISPLAY, &request), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(ioctl(fb, FBIOBLANK, FB_BLANK_POWERDOWN), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(ioctl(fb, 0x46ff, 0), -1);
    CHECK_EQ(errno, ENOTTY);
}

static void hostile_pointers_are_efault(void) {
    void *unwritable[] = {NULL, unmapped_page, KERNEL_HALF, read_only_page, NULL};
    for (unsigned i = 0; i < sizeof unwritable / sizeof unwritable[0]; i++) {
        unwritable[4] = straddling(sizeof var, 8);
        CHECK_EQ(ioctl(fb, FBIOGET_VSCREENINFO, unwritable[i]), -1);
        CHECK_EQ(errno, EFAULT);
        unwritable[4] = straddling(sizeof fix, 8);
        CHECK_EQ(ioctl(fb, FBIOGET_FSCREENINFO, unwritable[i]), -1);
        CHECK_EQ(errno, EFAULT);
    }
    void *unreadable[] = {NULL, unmapped_page, KERNEL_HALF, straddling(sizeof var, 8)};
    for (unsigned i = 0; i < sizeof unreadable / sizeof unreadable[0]; i++) {
        CHECK_EQ(ioctl(fb, FBIOPUT_VSCREENINFO, unreadable[i]), -1);
        CHECK_EQ(errno, EFAULT);
        CHECK_EQ(ioctl(fb, FBIOPAN_DISPLAY, unreadable[i]), -1);
        CHECK_EQ(errno, EFAULT);
    }
    /* Read, then written back with the mode there is: the write-back faults. */
    CHECK_EQ(mprotect(read_only_page, 4096, PROT_READ | PROT_WRITE), 0);
    memcpy(read_only_page, &var, sizeof var);
    CHECK_EQ(mprotect(read_only_page, 4096, PROT_READ), 0);
    CHECK_EQ(ioctl(fb, FBIOPUT_VSCREENINFO, read_only_page), -1);
    CHECK_EQ(errno, EFAULT);
}

static void two_mappings_and_a_child_share_the_pixels(void) {
    uint32_t *first = map_pixels(fb, PROT_READ | PROT_WRITE);
    uint32_t *second = map_pixels(fb, PROT_READ | PROT_WRITE);
    CHECK(first != NULL && second != NULL && first != second);
    uint32_t *last = pixel(first, var.xres - 1, var.yres - 1);
    *pixel(first, 3, 2) = 0x00123456;
    *last = 0x00abcdef;
    CHECK_EQ(*pixel(second, 3, 2), 0x00123456);
    CHECK_EQ(*pixel(second, var.xres - 1, var.yres - 1), 0x00abcdef);
    pid_t child = fork();
    if (child == 0) {
        *pixel(second, 3, 2) = 0x00654321;
        _exit(*pixel(first, var.xres - 1, var.yres - 1) == 0x00abcdef ? 0 : 1);
    }
    int status;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ(*pixel(first, 3, 2), 0x00654321);
    CHECK_EQ(munmap(first, mapping_size()), 0);
    CHECK_EQ(*pixel(second, 3, 2), 0x00654321);
    CHECK_EQ(munmap(second, mapping_size()), 0);
}

static void device_memory_takes_no_ram(void) {
    long before = free_bytes();
    uint32_t *pixels = map_pixels(fb, PROT_READ | PROT_WRITE);
    CHECK(pixels != NULL);
    for (size_t offset = 0; offset < fix.smem_len; offset += 4096)
        pixels[offset / 4] = 0;
    long touched = free_bytes();
    CHECK_EQ(munmap(pixels, mapping_size()), 0);
    /* The page tables for a few hundred pages take a few frames; the pixels none. */
    CHECK(before - touched < 64 * 1024);
    CHECK(free_bytes() >= before - 4096);
}

static void system_calls_read_and_write_the_mapping(void) {
    uint32_t *pixels = map_pixels(fb, PROT_READ | PROT_WRITE);
    CHECK(pixels != NULL);
    int pipe_ends[2];
    CHECK_EQ(pipe(pipe_ends), 0);
    char *bytes = (char *)pixels;
    for (int i = 0; i < 6000; i++)
        bytes[1000 + i] = (char)(i * 7);
    /* Straddling two pages of device memory, both ways. */
    CHECK_EQ(write(pipe_ends[1], bytes + 1000, 6000), 6000);
    CHECK_EQ(read(pipe_ends[0], bytes + 3 * 4096 - 100, 6000), 6000);
    for (int i = 0; i < 6000; i++)
        CHECK_EQ(bytes[3 * 4096 - 100 + i], (char)(i * 7));
    /* Made read-only, the mapping cannot be read into. */
    CHECK_EQ(mprotect(pixels, mapping_size(), PROT_READ), 0);
    CHECK_EQ(write(pipe_ends[1], "x", 1), 1);
    CHECK_EQ(read(pipe_ends[0], bytes, 1), -1);
    CHECK_EQ(errno, EFAULT);
    CHECK_EQ(bytes[3 * 4096 - 100], 0);
    close(pipe_ends[0]);
    close(pipe_ends[1]);
    CHECK_EQ(munmap(pixels, mapping_size()), 0);
}

static void mappings_are_checked(void) {
    CHECK(mmap(NULL, mapping_size() + 4096, PROT_READ, MAP_SHARED, fb, 0) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fb, mapping_size()) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    int read_only = open("/dev/fb0", O_RDONLY);
    CHECK(read_only >= 0);
    CHECK(map_pixels(read_only, PROT_READ | PROT_WRITE) == NULL);
    CHECK_EQ(errno, EACCES);
    uint32_t *pixels = map_pixels(read_only, PROT_READ);
    CHECK(pixels != NULL);
    CHECK_EQ(mprotect(pixels, 4096, PROT_READ | PROT_WRITE), -1);
    CHECK_EQ(errno, EACCES);
    CHECK_EQ(munmap(pixels, mapping_size()), 0);
    close(read_only);
}

/* The test picture, then the runner's screendump; its answer is a newline on the console. */
static void draw_the_picture(void) {
    uint32_t *pixels = map_pixels(fb, PROT_READ | PROT_WRITE);
    CHECK(pixels != NULL);
    for (unsigned y = 0; y < var.yres; y++)
        for (unsigned x = 0; x < var.xres; x++)
            *pixel(pixels, x, y) = colour(x * 255 / (var.xres - 1), y * 255 / (var.yres - 1),
                                          (x / 32 + y / 32) % 2 * 255);
    printf("screendump: ready\n");
    fflush(stdout);
    char answer;
    CHECK_EQ(read(STDIN_FILENO, &answer, 1), 1);
    CHECK_EQ(munmap(pixels, mapping_size()), 0);
}

int main(void) {
    const char *tests[] = {"screen_information_describes_the_display",
                           "the_mode_stays_what_it_is",
                           "hostile_pointers_are_efault",
                           "two_mappings_and_a_child_share_the_pixels",
                           "device_memory_takes_no_ram",
                           "system_calls_read_and_write_the_mapping",
                           "mappings_are_checked",
                           "draw_the_picture"};
    fb = open("/dev/fb0", O_RDWR);
    if (fb < 0) {
        for (unsigned i = 0; i < sizeof tests / sizeof tests[0]; i++)
            printf("test " SUITE "::%s ... skipped (no /dev/fb0: %s)\n", tests[i],
                   strerror(errno));
        return 0;
    }
    if (set_up_pages() != 0 || ioctl(fb, FBIOGET_VSCREENINFO, &var) != 0 ||
        ioctl(fb, FBIOGET_FSCREENINFO, &fix) != 0) {
        printf("test " SUITE "::set_up ... FAILED (mmap or the screen information)\n");
        return 1;
    }
    RUN(screen_information_describes_the_display);
    RUN(the_mode_stays_what_it_is);
    RUN(hostile_pointers_are_efault);
    RUN(two_mappings_and_a_child_share_the_pixels);
    RUN(device_memory_takes_no_ram);
    RUN(system_calls_read_and_write_the_mapping);
    RUN(mappings_are_checked);
    RUN(draw_the_picture);
    return failures != 0;
}
