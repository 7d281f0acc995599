//! How the `medkb` binary is linked. Every search is a new process, which
//! pays at each start for what the link left it:
//!
//! - Position-dependent, as Go links its programs by default: relocating a
//!   position-independent executable at each start was an eighth of a short
//!   search's instructions. `MEDKB_PIE=1` keeps the platform's default (a
//!   PIE, whose address the kernel randomises).
//! - The functions a search runs laid out side by side, in the order of
//!   `bench/hot-functions.txt` (written by `bench/hot-functions.sh`): spread
//!   through 7 MB of code, they cost a fresh process a page fault every few
//!   of them. Only where rustc links with its own LLD (x86_64 Linux, since
//!   Rust 1.90) and no other linker is asked for, as LLD reads such a list;
//!   `MEDKB_ORDER=0` leaves the layout to the linker.

use std::path::Path;
use std::process::Command;

const HOT_FUNCTIONS: &str = "bench/hot-functions.txt";

fn main() {
    println!("cargo:rerun-if-env-changed=MEDKB_PIE");
    println!("cargo:rerun-if-env-changed=MEDKB_ORDER");
    println!("cargo:rerun-if-changed={HOT_FUNCTIONS}");
    let env = |name: &str| std::env::var(name).unwrap_or_default();
    if env("CARGO_CFG_TARGET_OS") != "linux" {
        return;
    }
    if env("MEDKB_PIE") != "1" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    let hot = Path::new(&env("CARGO_MANIFEST_DIR")).join(HOT_FUNCTIONS);
    // Another linker asked for in the flags may not read the list.
    let flags = env("CARGO_ENCODED_RUSTFLAGS");
    let linker_chosen = ["linker", "fuse-ld", "link-self-contained"]
        .iter()
        .any(|flag| flags.contains(flag));
    if env("MEDKB_ORDER") != "0"
        && env("TARGET") == "x86_64-unknown-linux-gnu"
        && !linker_chosen
        && links_with_lld(&env("RUSTC"))
        && hot.is_file()
    {
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
            hot.display()
        );
        // Functions renamed or removed since the list was written are
        // simply not placed.
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}

/// Whether `rustc` is 1.90 or later, which links x86_64 Linux programs with
/// its own LLD unless told otherwise.
fn links_with_lld(rustc: &str) -> bool {
    let Ok(output) = Command::new(rustc).arg("-vV").output() else {
        return false;
    };
    let text = String::from_utf8_lossy(&output.stdout);
    let Some(release) = text.lines().find_map(|line| line.strip_prefix("release: ")) else {
        return false;
    };
    let mut numbers = release.split(['.', '-']).map(|part| part.parse::<u32>());
    matches!(
        (numbers.next(), numbers.next()),
        (Some(Ok(major)), Some(Ok(minor))) if (major, minor) >= (1, 90)
    )
}
