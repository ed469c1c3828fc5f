//! Work items handed to a few threads at once, their results kept in the items' order.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// `work` applied to every item, at most `jobs` at a time (at least one), each item taken in turn
/// by whichever thread is free; the results in the order of `items`. A panic in `work` ends the
/// whole call once the other threads are done.
pub fn map<T: Sync, R: Send>(items: &[T], jobs: usize, work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, items.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(index) else {
                        break;
                    };
                    let result = work(item);
                    *results[index]
                        .lock()
                        .expect("no thread panics holding a slot") = Some(result);
                }
            });
        }
    });
    results
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .expect("no thread panics holding a slot")
                .expect("the scope ends only once every item is done")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::Barrier;
    use std::time::Duration;

    #[test]
    fn results_keep_the_items_order_whatever_order_they_finish_in() {
        let items = [30, 0, 20, 10];
        let results = map(&items, 3, |&millis| {
            thread::sleep(Duration::from_millis(millis));
            millis * 2
        });
        assert_eq!(results, [60, 0, 40, 20]);
        assert_eq!(map(&[] as &[u32], 4, |&item| item), Vec::<u32>::new());
    }

    #[test]
    fn runs_jobs_items_at_once_and_one_at_a_time_with_one_job() {
        // Both items must be in `work` together to pass the barrier.
        let barrier = Barrier::new(2);
        let threads = map(&[1, 2], 2, |_| {
            barrier.wait();
            thread::current().id()
        });
        assert_ne!(threads[0], threads[1]);
        let one = map(&[1, 2, 3], 1, |_| thread::current().id());
        assert_eq!(one.iter().collect::<HashSet<_>>().len(), 1);
        // Zero jobs still does the work.
        assert_eq!(map(&[5], 0, |&item| item + 1), [6]);
    }
}
