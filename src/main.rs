//! The `medkb` binary: everything happens in [`medkb::cli`].

fn main() {
    // A bug must still end in one readable line, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        let place = info
            .location()
            .map(|at| format!(" at {at}"))
            .unwrap_or_default();
        eprintln!("medkb: internal error{place}: {message} (please report this)");
    }));
    std::process::exit(medkb::cli::run());
}
