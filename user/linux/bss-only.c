/* Built with -nostdlib: its only writable segment is bss at an unaligned address, whose file
 * offset lies past the end of the file (what GNU ld emits). Exits 0 when the bss is zero and
 * writable. */

static volatile unsigned char bss[0x5000];

static void exit_group(long status) {
    register long x0 __asm__("x0") = status;
    register long x8 __asm__("x8") = 94;
    __asm__ volatile("svc #0" : : "r"(x0), "r"(x8) : "memory");
    __builtin_unreachable();
}

void _start(void) {
    for (unsigned long i = 0; i < sizeof bss; i++) {
        if (bss[i] != 0)
            exit_group(1);
        bss[i] = (unsigned char)i;
    }
    for (unsigned long i = 0; i < sizeof bss; i++) {
        if (bss[i] != (unsigned char)i)
            exit_group(2);
    }
    exit_group(0);
}
