//! test-rust-std: Rust's std, linked statically against musl, as an unmodified Linux client.
//!
//! Threads, locks, channels, thread-local storage, HashMap's random keys, child processes, the
//! file system (reading the initramfs, writing in /tmp), arguments and clocks, all through std alone. One line a test,
//! `test rust_std::<name> ... ok` or `... FAILED (<reason>)`; the exit status is 1 if any
//! failed. Tests that need a second process run this program again with `--child <role>`.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::env;
use std::fs::{self, File};
use std::hash::{BuildHasher, RandomState};
use std::hint;
use std::io::{self, ErrorKind, Read, Seek, SeekFrom, Write};
use std::os::unix::process::ExitStatusExt;
use std::panic;
use std::process::{self, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const SUITE: &str = "rust_std";

/// A file of user/testdata, which the xtask puts under /testdata, and how it begins.
const TEST_FILE: &str = "/testdata/not-an-elf";
const TEST_FILE_START: &str = "This file is not an ELF executable";

/// A program of user/ that prints its arguments and environment, one a line.
const ECHO_ARGS: &str = "/bin/echo-args";

const SIGABRT: i32 = 6;
const ENOEXEC: i32 = 8;
const ENOTDIR: i32 = 20;

/// Why a test failed.
type Outcome = Result<(), String>;

/// A test, run in the main thread.
type Test = fn() -> Outcome;

/// Fails the test unless `condition` holds.
macro_rules! check {
    ($condition:expr) => {
        if !$condition {
            return Err(format!("line {}: {}", line!(), stringify!($condition)));
        }
    };
}

/// Fails the test unless the two are equal, saying both.
macro_rules! check_eq {
    ($left:expr, $right:expr) => {{
        let (left, right) = (&$left, &$right);
        if left != right {
            return Err(format!(
                "line {}: {} == {}: {:?} != {:?}",
                line!(),
                stringify!($left),
                stringify!($right),
                left,
                right
            ));
        }
    }};
}

/// The value of a `Result`, or the test fails with the error and the expression.
macro_rules! attempt {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(error) => {
                return Err(format!(
                    "line {}: {}: {:?}",
                    line!(),
                    stringify!($result),
                    error
                ));
            }
        }
    };
}

/// Every test, by name, in the order they run.
const TESTS: [(&str, Test); 21] = [
    ("threads_join_with_results", threads_join_with_results),
    (
        "mutex_counter_under_contention",
        mutex_counter_under_contention,
    ),
    ("condvar_ping_pong", condvar_ping_pong),
    ("condvar_wait_timeout", condvar_wait_timeout),
    ("channel_hand_over", channel_hand_over),
    ("scoped_threads_borrow", scoped_threads_borrow),
    ("thread_locals_per_thread", thread_locals_per_thread),
    ("thread_panic_reaches_join", thread_panic_reaches_join),
    (
        "thread_stack_overflow_is_caught",
        thread_stack_overflow_is_caught,
    ),
    ("hash_map_random_state", hash_map_random_state),
    (
        "random_keys_differ_between_processes",
        random_keys_differ_between_processes,
    ),
    ("command_captures_output", command_captures_output),
    ("command_pipes_stdin", command_pipes_stdin),
    ("command_path_lookup", command_path_lookup),
    ("command_failures", command_failures),
    ("args_and_environment", args_and_environment),
    ("fs_read", fs_read),
    ("fs_read_dir", fs_read_dir),
    ("fs_metadata", fs_metadata),
    (
        "fs_writes_renames_and_removes",
        fs_writes_renames_and_removes,
    ),
    ("time_instant_and_sleep", time_instant_and_sleep),
];

/// The last panic's message and place: a test that panics fails with it.
static LAST_PANIC: Mutex<String> = Mutex::new(String::new());

fn main() {
    let args: Vec<String> = env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        child(&args[2..]);
    }
    // Quiet panics: the failure line carries the message, and a test's expected panic (in
    // `thread_panic_reaches_join`) should not clutter the console.
    panic::set_hook(Box::new(|info| {
        let message = info.to_string();
        *LAST_PANIC
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = message;
    }));
    let failures = TESTS
        .into_iter()
        .filter(|&(name, test)| !run(name, test))
        .count();
    process::exit(if failures == 0 { 0 } else { 1 });
}

/// Runs one test and prints its line; whether it passed.
fn run(name: &str, test: Test) -> bool {
    let outcome = panic::catch_unwind(test).unwrap_or_else(|_| {
        let message = LAST_PANIC
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Err(message.clone())
    });
    match outcome {
        Ok(()) => println!("test {SUITE}::{name} ... ok"),
        // One line a test, whatever the reason holds (stringify! keeps line breaks).
        Err(ref reason) => println!(
            "test {SUITE}::{name} ... FAILED ({})",
            reason.replace('\n', " ")
        ),
    }
    outcome.is_ok()
}

/// What this program does when a test runs it as a child process; never returns.
fn child(role: &[String]) -> ! {
    let role: Vec<&str> = role.iter().map(String::as_str).collect();
    match role[..] {
        // Each argument after the role in Debug form, one a line, then RUST_STD_VARIABLE.
        ["args", ref rest @ ..] => {
            for argument in rest {
                println!("{argument:?}");
            }
            println!("{:?}", env::var("RUST_STD_VARIABLE"));
        }
        // Stdin, upper-cased, to stdout.
        ["upper"] => {
            let mut input = String::new();
            io::stdin()
                .read_to_string(&mut input)
                .expect("stdin is readable");
            print!("{}", input.to_uppercase());
        }
        // A hash from a fresh process's first RandomState, whose keys come from getrandom.
        ["hash"] => println!("{}", RandomState::new().hash_one("the same key")),
        ["exit", code] => process::exit(code.parse().expect("an exit status")),
        ["abort"] => process::abort(),
        // Endless recursion in a thread, which runs into its stack's guard page.
        ["overflow"] => {
            let depth = thread::spawn(|| recurse(0)).join();
            println!("the recursion ended: {depth:?}");
        }
        _ => {
            eprintln!("unknown child role {role:?}");
            process::exit(2)
        }
    }
    process::exit(0)
}

/// Recurses until the stack runs out, each frame holding an array the optimiser cannot drop.
fn recurse(depth: u64) -> u64 {
    if depth == u64::MAX {
        return 0;
    }
    let frame = hint::black_box([depth; 32]);
    recurse(depth + 1) + frame[31]
}

/// The kind of error `result` holds, if it holds one.
fn error_kind<T>(result: io::Result<T>) -> Option<ErrorKind> {
    result.err().map(|error| error.kind())
}

/// The errno `result` holds, if it holds an error from a system call.
fn os_error<T>(result: io::Result<T>) -> Option<i32> {
    result.err().and_then(|error| error.raw_os_error())
}

/// This program, to run as a child: argv[0] is the path it was started with.
fn this_program() -> String {
    env::args().next().expect("argv[0]")
}

fn threads_join_with_results() -> Outcome {
    let handles: Vec<_> = (0..8u64)
        .map(|index| {
            thread::Builder::new()
                .name(format!("worker-{index}"))
                // A stack of the program's choosing rather than std's 2 MiB default.
                .stack_size(64 * 1024)
                .spawn(move || {
                    let sum: u64 = (0..=index * 1000).sum();
                    let name = thread::current().name().map(str::to_owned);
                    (index, sum, name, thread::current().id())
                })
        })
        .collect::<Result<_, _>>()
        .map_err(|error| format!("spawn: {error}"))?;
    let mut ids = HashSet::new();
    for (expected, handle) in (0..8u64).zip(handles) {
        let (index, sum, name, id) = attempt!(handle.join());
        check_eq!(index, expected);
        check_eq!(sum, index * 1000 * (index * 1000 + 1) / 2);
        check_eq!(name, Some(format!("worker-{index}")));
        ids.insert(id);
    }
    check_eq!(ids.len(), 8);
    check!(!ids.contains(&thread::current().id()));
    Ok(())
}

fn mutex_counter_under_contention() -> Outcome {
    const THREADS: usize = 4;
    const ROUNDS: usize = 2000;
    let counter = Arc::new(Mutex::new(0usize));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let counter = Arc::clone(&counter);
            thread::spawn(move || {
                for round in 0..ROUNDS {
                    let mut guard = counter.lock().unwrap();
                    let value = *guard;
                    // Yielding with the lock held makes the others wait for it in the
                    // kernel (futex), and loses updates unless the lock excludes them.
                    if round % 16 == 0 {
                        thread::yield_now();
                    }
                    *guard = value + 1;
                }
            })
        })
        .collect();
    for handle in handles {
        attempt!(handle.join());
    }
    check_eq!(*counter.lock().unwrap(), THREADS * ROUNDS);
    Ok(())
}

fn condvar_ping_pong() -> Outcome {
    const ROUNDS: usize = 100;
    // Whose turn it is (0 or 1) and the turns taken, in order.
    let shared = Arc::new((Mutex::new((0usize, Vec::new())), Condvar::new()));
    let player = |me: usize| {
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            let (lock, turn_changed) = &*shared;
            for _ in 0..ROUNDS {
                let mut state = turn_changed
                    .wait_while(lock.lock().unwrap(), |(turn, _)| *turn != me)
                    .unwrap();
                state.1.push(me);
                state.0 = 1 - me;
                turn_changed.notify_all();
            }
        })
    };
    let players = [player(1), player(0)];
    for handle in players {
        attempt!(handle.join());
    }
    let (_, turns) = &*shared.0.lock().unwrap();
    check_eq!(turns.len(), 2 * ROUNDS);
    check!(
        turns
            .iter()
            .enumerate()
            .all(|(index, &who)| who == index % 2)
    );
    Ok(())
}

fn condvar_wait_timeout() -> Outcome {
    let lock = Mutex::new(());
    let never_notified = Condvar::new();
    let timeout = Duration::from_millis(50);
    let start = Instant::now();
    let (_guard, result) = never_notified
        .wait_timeout(lock.lock().unwrap(), timeout)
        .unwrap();
    let waited = start.elapsed();
    check!(result.timed_out());
    check!(waited >= timeout);
    Ok(())
}

fn channel_hand_over() -> Outcome {
    const PRODUCERS: usize = 3;
    const MESSAGES: usize = 500;
    let (sender, receiver) = mpsc::channel();
    for producer in 0..PRODUCERS {
        let sender = sender.clone();
        thread::spawn(move || {
            for sequence in 0..MESSAGES {
                sender.send((producer, sequence)).unwrap();
            }
        });
    }
    drop(sender);
    // Each producer's messages arrive in the order it sent them; the channel closes once all
    // producers are gone.
    let mut next = [0; PRODUCERS];
    for (producer, sequence) in receiver.iter() {
        check_eq!(sequence, next[producer]);
        next[producer] += 1;
    }
    check_eq!(next, [MESSAGES; PRODUCERS]);

    // A rendezvous channel: each send waits for its receive.
    let (sender, receiver) = mpsc::sync_channel(0);
    let consumer = thread::spawn(move || receiver.iter().collect::<Vec<u32>>());
    for value in 0..20 {
        attempt!(sender.send(value));
    }
    drop(sender);
    check_eq!(attempt!(consumer.join()), (0..20).collect::<Vec<_>>());

    let (_sender, receiver) = mpsc::channel::<()>();
    check_eq!(
        receiver.recv_timeout(Duration::from_millis(20)),
        Err(RecvTimeoutError::Timeout)
    );
    Ok(())
}

fn scoped_threads_borrow() -> Outcome {
    let numbers: Vec<u64> = (1..=10_000).collect();
    let mut partial_sums = [0u64; 4];
    let mut squares = vec![0u64; 100];
    thread::scope(|scope| {
        for (chunk, sum) in numbers.chunks(2500).zip(&mut partial_sums) {
            scope.spawn(move || *sum = chunk.iter().sum());
        }
        scope.spawn(|| {
            for (index, square) in squares.iter_mut().enumerate() {
                *square = (index * index) as u64;
            }
        });
    });
    check_eq!(partial_sums.iter().sum::<u64>(), 50_005_000);
    check_eq!(partial_sums[3], (7501..=10_000).sum::<u64>());
    check_eq!(squares[99], 9801);
    Ok(())
}

/// Counts the thread-local values dropped as their threads ended.
static DROPPED: AtomicUsize = AtomicUsize::new(0);

/// A thread-local value whose drop DROPPED counts.
struct CountsItsDrop;

impl Drop for CountsItsDrop {
    fn drop(&mut self) {
        DROPPED.fetch_add(1, Ordering::SeqCst);
    }
}

thread_local! {
    static NUMBER: Cell<usize> = const { Cell::new(0) };
    static TEXT: RefCell<String> = const { RefCell::new(String::new()) };
    static DROP_AT_EXIT: RefCell<Option<CountsItsDrop>> = const { RefCell::new(None) };
}

fn thread_locals_per_thread() -> Outcome {
    const THREADS: usize = 4;
    NUMBER.set(1000);
    TEXT.with_borrow_mut(|text| text.push_str("main"));
    let dropped_before = DROPPED.load(Ordering::SeqCst);
    let handles: Vec<_> = (0..THREADS)
        .map(|index| {
            thread::spawn(move || {
                // A new thread starts from the initial values, whatever the others set.
                let fresh = (NUMBER.get(), TEXT.with_borrow(String::clone));
                NUMBER.set(index);
                TEXT.with_borrow_mut(|text| *text = format!("thread {index}"));
                DROP_AT_EXIT.set(Some(CountsItsDrop));
                thread::sleep(Duration::from_millis(10));
                (fresh, NUMBER.get(), TEXT.with_borrow(String::clone))
            })
        })
        .collect();
    for (index, handle) in handles.into_iter().enumerate() {
        let (fresh, number, text) = attempt!(handle.join());
        check_eq!(fresh, (0, String::new()));
        check_eq!(number, index);
        check_eq!(text, format!("thread {index}"));
    }
    check_eq!(NUMBER.get(), 1000);
    check_eq!(TEXT.with_borrow(String::clone), "main");
    // join returns once the thread has ended, after its thread-local destructors ran.
    check_eq!(DROPPED.load(Ordering::SeqCst) - dropped_before, THREADS);
    Ok(())
}

fn thread_panic_reaches_join() -> Outcome {
    let panicked = thread::spawn(|| -> u32 { panic!("expected panic") }).join();
    let payload = match panicked {
        Ok(value) => return Err(format!("the thread returned {value}")),
        Err(payload) => payload,
    };
    check_eq!(payload.downcast_ref::<&str>(), Some(&"expected panic"));
    // The process and its other threads carry on.
    check_eq!(attempt!(thread::spawn(|| 7).join()), 7);
    Ok(())
}

fn thread_stack_overflow_is_caught() -> Outcome {
    let output = attempt!(
        Command::new(this_program())
            .args(["--child", "overflow"])
            .output()
    );
    // std's SIGSEGV handler, on its alternate signal stack, sees the fault in the thread's
    // guard page, says so and aborts.
    check_eq!(output.status.signal(), Some(SIGABRT));
    let stderr = String::from_utf8_lossy(&output.stderr);
    check!(stderr.contains("has overflowed its stack"));
    check!(output.stdout.is_empty());
    Ok(())
}

fn hash_map_random_state() -> Outcome {
    const KEYS: u32 = 5000;
    let mut map = HashMap::new();
    for key in 0..KEYS {
        check!(map.insert(format!("key-{key}"), key * 3).is_none());
    }
    check_eq!(map.len(), KEYS as usize);
    for key in 0..KEYS {
        check_eq!(map.get(&format!("key-{key}")), Some(&(key * 3)));
    }
    check!(!map.contains_key("key-5000"));
    map.retain(|_, value| *value % 2 == 0);
    check_eq!(map.len(), KEYS as usize / 2);
    check_eq!(map.get("key-1"), None);
    check_eq!(map.get("key-2"), Some(&6));
    // Every RandomState has keys of its own.
    let (first, second) = (RandomState::new(), RandomState::new());
    check!(first.hash_one("the same key") != second.hash_one("the same key"));
    Ok(())
}

fn random_keys_differ_between_processes() -> Outcome {
    let hash_in_a_new_process = || -> Result<u64, String> {
        let output = Command::new(this_program())
            .args(["--child", "hash"])
            .output()
            .map_err(|error| format!("spawn: {error}"))?;
        if !output.status.success() {
            return Err(format!("the child ended with {}", output.status));
        }
        let text = String::from_utf8_lossy(&output.stdout);
        text.trim()
            .parse()
            .map_err(|error| format!("child printed {text:?}: {error}"))
    };
    let first = hash_in_a_new_process()?;
    let second = hash_in_a_new_process()?;
    // Equal only if the two processes got the same random keys.
    check!(first != second);
    Ok(())
}

fn command_captures_output() -> Outcome {
    let output = attempt!(
        Command::new(ECHO_ARGS)
            .args(["one", "two words"])
            .env_clear()
            .env("RUST_STD", "yes")
            .output()
    );
    check!(output.status.success());
    check_eq!(output.status.code(), Some(0));
    check_eq!(
        String::from_utf8_lossy(&output.stdout),
        "argc 3\nargv[0] /bin/echo-args\nargv[1] one\nargv[2] two words\nenvp[0] RUST_STD=yes\n"
    );
    check!(output.stderr.is_empty());
    Ok(())
}

fn command_pipes_stdin() -> Outcome {
    let mut upper = attempt!(
        Command::new(this_program())
            .args(["--child", "upper"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
    );
    // More than a pipe holds (64 KiB on Linux), so that writing waits for the child to read.
    let text = "through a pipe and back\n".repeat(4000);
    let mut stdin = upper.stdin.take().ok_or("no stdin pipe")?;
    let writer = thread::spawn(move || stdin.write_all(text.as_bytes()));
    let output = attempt!(upper.wait_with_output());
    attempt!(attempt!(writer.join()));
    check!(output.status.success());
    check_eq!(output.stdout.len(), 24 * 4000);
    check!(
        output
            .stdout
            .chunks(24)
            .all(|line| line == b"THROUGH A PIPE AND BACK\n")
    );
    Ok(())
}

fn command_path_lookup() -> Outcome {
    // A name without a slash is looked up in the child's PATH; giving the child a PATH of its
    // own makes std fork and exec rather than posix_spawn.
    let output = attempt!(
        Command::new("echo-args")
            .env_clear()
            .env("PATH", "/no-such-directory:/bin")
            .output()
    );
    check!(output.status.success());
    check!(String::from_utf8_lossy(&output.stdout).starts_with("argc 1\nargv[0] echo-args\n"));
    let missing = Command::new("no-such-program")
        .env("PATH", "/bin:/tests")
        .status();
    check_eq!(error_kind(missing), Some(ErrorKind::NotFound));
    Ok(())
}

fn command_failures() -> Outcome {
    let exited = attempt!(
        Command::new(this_program())
            .args(["--child", "exit", "3"])
            .status()
    );
    check!(!exited.success());
    check_eq!(exited.code(), Some(3));
    check_eq!(exited.signal(), None);

    let aborted = attempt!(
        Command::new(this_program())
            .args(["--child", "abort"])
            .status()
    );
    check_eq!(aborted.code(), None);
    check_eq!(aborted.signal(), Some(SIGABRT));

    let missing = Command::new("/bin/no-such-program").status();
    check_eq!(error_kind(missing), Some(ErrorKind::NotFound));
    let not_an_elf = Command::new(TEST_FILE).status();
    check_eq!(os_error(not_an_elf), Some(ENOEXEC));
    Ok(())
}

fn args_and_environment() -> Outcome {
    let own: Vec<String> = env::args().collect();
    check!(own[0].ends_with("/test-rust-std"));

    let arguments = ["plain", "two words", "", "ünïcödé", "--child"];
    let output = attempt!(
        Command::new(this_program())
            .args(["--child", "args"])
            .args(arguments)
            .env("RUST_STD_VARIABLE", "a=b c")
            .output()
    );
    check!(output.status.success());
    let mut expected: String = arguments.iter().map(|a| format!("{a:?}\n")).collect();
    expected.push_str("Ok(\"a=b c\")\n");
    check_eq!(String::from_utf8_lossy(&output.stdout), expected);

    // SAFETY: no other thread of this program reads or writes the environment now.
    unsafe { env::set_var("RUST_STD_VARIABLE", "inherited") };
    let inherited = attempt!(
        Command::new(this_program())
            .args(["--child", "args"])
            .output()
    );
    // SAFETY: as above.
    unsafe { env::remove_var("RUST_STD_VARIABLE") };
    check_eq!(
        String::from_utf8_lossy(&inherited.stdout),
        "Ok(\"inherited\")\n"
    );
    Ok(())
}

fn fs_read() -> Outcome {
    let text = attempt!(fs::read_to_string(TEST_FILE));
    check!(text.starts_with(TEST_FILE_START));
    check!(text.ends_with('\n'));

    let mut file = attempt!(File::open(TEST_FILE));
    attempt!(file.seek(SeekFrom::Start(5)));
    let mut word = [0u8; 4];
    attempt!(file.read_exact(&mut word));
    check_eq!(&word, b"file");
    check_eq!(attempt!(file.stream_position()), 9);
    let end = attempt!(file.seek(SeekFrom::End(0)));
    check_eq!(end, text.len() as u64);
    let mut rest = Vec::new();
    check_eq!(attempt!(file.read_to_end(&mut rest)), 0);

    let missing = fs::read_to_string("/testdata/no-such-file");
    check_eq!(error_kind(missing), Some(ErrorKind::NotFound));
    Ok(())
}

fn fs_read_dir() -> Outcome {
    let names = |directory: &str| -> Result<Vec<String>, String> {
        let entries = fs::read_dir(directory).map_err(|error| format!("{directory}: {error}"))?;
        entries
            .map(|entry| {
                entry
                    .map(|entry| entry.file_name().to_string_lossy().into_owned())
                    .map_err(|error| format!("{directory}: {error}"))
            })
            .collect()
    };
    let root = names("/")?;
    for directory in ["bin", "tests", "testdata"] {
        check!(root.iter().any(|name| name == directory));
    }
    // read_dir leaves out `.` and `..`.
    check!(!root.iter().any(|name| name == "." || name == ".."));
    let tests = names("/tests")?;
    check!(tests.iter().any(|name| name == "test-rust-std"));
    check!(tests.iter().any(|name| name == "test-glibc"));

    for entry in attempt!(fs::read_dir("/testdata")) {
        let entry = attempt!(entry);
        check!(attempt!(entry.file_type()).is_file());
        // Looked up relative to the open directory.
        let metadata = attempt!(entry.metadata());
        check!(metadata.is_file());
        check_eq!(metadata.len(), attempt!(fs::metadata(entry.path())).len());
    }
    check_eq!(os_error(fs::read_dir(TEST_FILE)), Some(ENOTDIR));
    Ok(())
}

fn fs_metadata() -> Outcome {
    let directory = attempt!(fs::metadata("/tests"));
    check!(directory.is_dir());
    check!(!directory.is_file());

    let file = attempt!(fs::metadata(TEST_FILE));
    check!(file.is_file());
    check!(!file.is_dir());
    check_eq!(file.len(), attempt!(fs::read(TEST_FILE)).len() as u64);
    let opened = attempt!(attempt!(File::open(TEST_FILE)).metadata());
    check_eq!(opened.len(), file.len());

    check!(attempt!(fs::metadata(this_program())).len() > 100_000);
    check!(!fs::exists("/tests/no-such-program").unwrap_or(true));
    check_eq!(
        error_kind(fs::metadata("/no/such/path")),
        Some(ErrorKind::NotFound)
    );
    Ok(())
}

fn fs_writes_renames_and_removes() -> Outcome {
    let directory = format!("/tmp/rust-std-{}", process::id());
    attempt!(fs::create_dir_all(format!("{directory}/sub/deeper")));
    let path = format!("{directory}/sub/file");
    attempt!(fs::write(&path, "first line\n"));
    {
        let mut file = attempt!(fs::OpenOptions::new().append(true).open(&path));
        attempt!(file.write_all(b"second line\n"));
    }
    check_eq!(
        attempt!(fs::read_to_string(&path)),
        "first line\nsecond line\n"
    );
    let renamed = format!("{directory}/renamed");
    attempt!(fs::rename(&path, &renamed));
    check!(!attempt!(fs::exists(&path)));
    check_eq!(attempt!(fs::metadata(&renamed)).len(), 23);
    let copy = format!("{directory}/copy");
    check_eq!(attempt!(fs::copy(&renamed, &copy)), 23);
    check_eq!(attempt!(fs::read(&copy)), attempt!(fs::read(&renamed)));
    let link = format!("{directory}/link");
    attempt!(std::os::unix::fs::symlink("renamed", &link));
    check_eq!(
        attempt!(fs::read_link(&link)),
        std::path::PathBuf::from("renamed")
    );
    check_eq!(
        attempt!(fs::read_to_string(&link)),
        attempt!(fs::read_to_string(&renamed))
    );
    let mut names: Vec<String> = attempt!(fs::read_dir(&directory))
        .map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()
        .unwrap_or_default();
    names.sort();
    check_eq!(names, ["copy", "link", "renamed", "sub"]);
    check_eq!(
        error_kind(fs::remove_dir(&directory)),
        Some(ErrorKind::DirectoryNotEmpty)
    );
    attempt!(fs::remove_dir_all(&directory));
    check!(!attempt!(fs::exists(&directory)));
    Ok(())
}

fn time_instant_and_sleep() -> Outcome {
    let start = Instant::now();
    let mut previous = start;
    for _ in 0..1000 {
        let now = Instant::now();
        check!(now >= previous);
        previous = now;
    }
    let nap = Duration::from_millis(30);
    thread::sleep(nap);
    let slept = start.elapsed();
    check!(slept >= nap);
    // Generous: emulation is slow, but not seconds slow.
    check!(slept < Duration::from_secs(10));
    check!(SystemTime::now().duration_since(UNIX_EPOCH).is_ok());
    Ok(())
}
