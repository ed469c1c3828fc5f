//! `strnlen_user` and `strncpy_from_user` near page ends, at limits and on faults.

use super::user_memory::{HOLE, READ_WRITE, UserMemory};
use super::{check, check_eq, ktest};
use crate::errno::EFAULT;
use crate::uaccess::{UserCStr, strncpy_from_user, strnlen_user};

/// Where the strings start: 100 bytes before the unmapped page.
const START: usize = HOLE - 100;

ktest!(
    "uaccess",
    fn nul_at_every_position_near_a_page_end() {
        let memory = UserMemory::new()?;
        for distance in 1..=64 {
            let nul = HOLE - distance;
            memory.fill(START..HOLE, |a| if a == nul { 0 } else { b'a' })?;
            let length = nul - START;
            check_eq!(strnlen_user(UserCStr::new(START), 200), length + 1);
            let mut dst = [0xffu8; 200];
            check_eq!(
                strncpy_from_user(&mut dst, UserCStr::new(START)),
                Ok(length)
            );
            check!(
                dst[..length].iter().all(|&b| b == b'a'),
                "distance {distance}: wrong bytes"
            );
            check_eq!(dst[length], 0);
        }
        Ok(())
    }
);

ktest!(
    "uaccess",
    fn no_nul_before_an_unmapped_page() {
        let memory = UserMemory::new()?;
        memory.fill(START..HOLE, |_| b'a')?;
        check_eq!(strnlen_user(UserCStr::new(START), 200), 0);
        let mut dst = [0u8; 200];
        check_eq!(
            strncpy_from_user(&mut dst, UserCStr::new(START)),
            Err(EFAULT)
        );
        // With a limit that stops before the page ends, it is just too long.
        check_eq!(strnlen_user(UserCStr::new(START), 50), 51);
        check_eq!(
            strncpy_from_user(&mut dst[..50], UserCStr::new(START)),
            Ok(50)
        );
        Ok(())
    }
);

ktest!(
    "uaccess",
    fn zero_exact_and_truncating_limits() {
        let memory = UserMemory::new()?;
        let at = READ_WRITE + 0x200;
        memory.write(at, b"hello\0")?;
        let hello = UserCStr::new(at);
        check_eq!(strnlen_user(hello, 0), 1);
        check_eq!(strncpy_from_user(&mut [], hello), Ok(0));
        check_eq!(strnlen_user(hello, 5), 6);
        check_eq!(strnlen_user(hello, 6), 6);
        let mut exact = [0xffu8; 5];
        check_eq!(strncpy_from_user(&mut exact, hello), Ok(5));
        check_eq!(&exact, b"hello");
        let mut with_nul = [0xffu8; 6];
        check_eq!(strncpy_from_user(&mut with_nul, hello), Ok(5));
        check_eq!(&with_nul, b"hello\0");
        let mut short = [0xffu8; 3];
        check_eq!(strncpy_from_user(&mut short, hello), Ok(3));
        check_eq!(&short, b"hel");
        check_eq!(strnlen_user(UserCStr::new(at + 5), 10), 1);
        Ok(())
    }
);
