//! Progress on stderr for what takes a while (index builds, imports): shown
//! only when stderr is a terminal and `--quiet` is not given, decided once.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

const TICK: Duration = Duration::from_millis(100);

/// Whether progress may be drawn.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    enabled: bool,
}

impl Progress {
    /// Progress on a terminal, unless `quiet`.
    pub fn new(quiet: bool) -> Progress {
        Progress {
            enabled: !quiet && std::io::stderr().is_terminal(),
        }
    }

    /// No progress at all.
    pub fn off() -> Progress {
        Progress { enabled: false }
    }

    /// A bar counting `total` steps, cleared when dropped.
    pub fn bar(&self, total: u64, message: &'static str) -> Shown {
        if !self.enabled {
            return Shown::hidden();
        }
        let style = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        let bar = ProgressBar::new(total).with_style(style);
        bar.set_prefix(message);
        bar.set_draw_target(ProgressDrawTarget::stderr());
        Shown::new(bar)
    }

    /// A spinner with the time taken, shown only once `delay` has passed (a
    /// quick step draws nothing), cleared when dropped.
    pub fn spinner(&self, message: &'static str, delay: Duration) -> Shown {
        if !self.enabled {
            return Shown::hidden();
        }
        let style = ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let bar =
            ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden()).with_style(style);
        bar.set_message(message);
        let shown = Shown::new(bar);
        let (bar, done) = (shown.bar.clone(), Arc::clone(&shown.done));
        std::thread::spawn(move || {
            std::thread::sleep(delay);
            // Under the lock, so a spinner is never drawn after it was cleared.
            let done = done.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if !*done {
                bar.set_draw_target(ProgressDrawTarget::stderr());
                bar.enable_steady_tick(TICK);
            }
        });
        shown
    }
}

/// A bar or spinner on the screen (or not), cleared when dropped.
pub struct Shown {
    bar: ProgressBar,
    done: Arc<Mutex<bool>>,
}

impl Shown {
    fn new(bar: ProgressBar) -> Shown {
        Shown {
            bar,
            done: Arc::new(Mutex::new(false)),
        }
    }

    fn hidden() -> Shown {
        Shown::new(ProgressBar::hidden())
    }

    /// `done` steps done.
    pub fn set(&self, done: u64) {
        self.bar.set_position(done);
    }

    /// One more step done; `what` names the next.
    pub fn step(&self, what: &str) {
        self.bar.inc(1);
        self.bar.set_message(what.to_string());
    }
}

impl Drop for Shown {
    fn drop(&mut self) {
        let mut done = self
            .done
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *done = true;
        self.bar.finish_and_clear();
    }
}
