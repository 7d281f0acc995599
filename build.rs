//! Links the `medkb` binary as a position-dependent executable, as Go links
//! its programs by default: every search is a new process, and relocating a
//! position-independent one at each start was an eighth of a short search's
//! instructions. `MEDKB_PIE=1` keeps the platform's default (a PIE, whose
//! address the kernel randomises).

fn main() {
    println!("cargo:rerun-if-env-changed=MEDKB_PIE");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" && std::env::var_os("MEDKB_PIE").is_none_or(|pie| pie != "1") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
