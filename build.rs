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
//! - The unwinder linked in, as gcc's `-static-libgcc` and Rust's static
//!   builds do, not loaded from `libgcc_s.so.1`: that library's constructor
//!   asks the processor for its features a dozen times, and in a virtual
//!   machine each such question (CPUID) is a trip to the hypervisor, 6 µs
//!   on the machine of the README's figures: a tenth of a millisecond per
//!   search. `MEDKB_SHARED_LIBGCC=1` keeps the shared library.

use std::path::Path;
use std::process::Command;

const HOT_FUNCTIONS: &str = "bench/hot-functions.txt";

fn main() {
    println!("cargo:rerun-if-env-changed=MEDKB_PIE");
    println!("cargo:rerun-if-env-changed=MEDKB_ORDER");
    println!("cargo:rerun-if-env-changed=MEDKB_SHARED_LIBGCC");
    println!("cargo:rerun-if-changed={HOT_FUNCTIONS}");
    let env = |name: &str| std::env::var(name).unwrap_or_default();
    if env("CARGO_CFG_TARGET_OS") != "linux" {
        return;
    }
    if env("MEDKB_PIE") != "1" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    let hot = Path::new(&env("CARGO_MANIFEST_DIR")).join(HOT_FUNCTIONS);
    // Another linker, asked for in the flags or cargo's configuration, may
    // not read the list nor search for libraries as `cc` does.
    let flags = env("CARGO_ENCODED_RUSTFLAGS");
    let linker_chosen = !env("RUSTC_LINKER").is_empty()
        || ["linker", "fuse-ld", "link-self-contained"]
            .iter()
            .any(|flag| flags.contains(flag));
    if env("MEDKB_SHARED_LIBGCC") != "1"
        && env("CARGO_CFG_TARGET_ENV") == "gnu"
        && env("TARGET") == env("HOST")
        && !env("CARGO_CFG_TARGET_FEATURE").contains("crt-static")
        && !linker_chosen
    {
        link_unwinder_statically(Path::new(&env("OUT_DIR")));
    }
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

/// Answers the linker's `-lgcc_s` (which rustc asks for by name) with the
/// static `libgcc_eh.a` of the system's C compiler, through a linker script
/// of that name found first. Without that archive, the link stays as it was.
fn link_unwinder_statically(out_dir: &Path) {
    let Ok(output) = Command::new("cc")
        .arg("-print-file-name=libgcc_eh.a")
        .output()
    else {
        return;
    };
    let archive = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    // The compiler prints the bare name back when it has no such file.
    if !Path::new(&archive).is_absolute() || !Path::new(&archive).is_file() {
        return;
    }
    let script = format!("INPUT({archive})\n");
    if std::fs::write(out_dir.join("libgcc_s.so"), script).is_ok() {
        println!("cargo:rustc-link-search=native={}", out_dir.display());
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
