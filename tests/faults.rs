//! Faults of the disk under the index: a full disk and a read-only index
//! folder, each on a small tmpfs of its own. Mounting takes root (as in
//! CI); elsewhere these tests say so and do nothing.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{assert_success, stderr, TestKb};

/// A tmpfs mounted for one test, unmounted when dropped.
struct Tmpfs {
    path: PathBuf,
}

impl Tmpfs {
    /// Mounts a tmpfs of `size` (as `mount` reads it: "600k") at `path`,
    /// or `None` when this process may not mount.
    fn mount(path: &Path, size: &str) -> Option<Tmpfs> {
        let uid = Command::new("id").arg("-u").output().ok()?;
        if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
            eprintln!("skipped: mounting a tmpfs needs root");
            return None;
        }
        fs::create_dir_all(path).unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .status()
            .expect("run mount");
        assert!(status.success(), "mount tmpfs at {}", path.display());
        Some(Tmpfs {
            path: path.to_path_buf(),
        })
    }

    fn remount_read_only(&self) {
        let status = Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&self.path)
            .status()
            .expect("run mount");
        assert!(status.success());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

/// A knowledge base whose index lives on `disk`.
fn kb_on(disk: &Tmpfs) -> TestKb {
    let mut kb = TestKb::new();
    kb.index = disk.path.join("index");
    kb.note(
        "okapi",
        "Okapi",
        &[],
        "About okapis, which live in forests.",
    );
    kb.note("tapir", "Tapir", &[], "About tapirs, which like water.");
    kb
}

fn leftovers(index: &Path) -> Vec<String> {
    fs::read_dir(index)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("tmp-"))
        .collect()
}

/// One line on stderr, no panic, no backtrace.
fn assert_one_line(stderr: &str) {
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("medkb: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_full_disk_fails_the_build_in_one_line_and_keeps_the_previous_index() {
    let root = tempfile::tempdir().unwrap();
    let Some(disk) = Tmpfs::mount(&root.path().join("disk"), "600k") else {
        return;
    };
    let kb = kb_on(&disk);
    assert_success(&kb.run(&["index"]));

    // A note too big for what is left of the disk: 200,000 distinct words.
    let words: Vec<String> = (0..200_000).map(|n| format!("w{n:x}q")).collect();
    kb.note("huge", "Huge", &[], &words.join(" "));
    let output = kb.run(&["index"]);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert_one_line(&err);
    assert!(err.contains("No space left on device"), "{err}");
    assert!(
        leftovers(&kb.index).is_empty(),
        "a failed build gives its space back"
    );

    // Searches still answer, from the index as it was, and say so.
    let output = kb.run(&["search", "--json", "okapis"]);
    assert_success(&output);
    assert!(
        stderr(&output).contains("rebuilding it failed"),
        "{}",
        stderr(&output)
    );
    assert_eq!(kb.ids("tapirs"), vec!["tapir"]);

    // With the space back, the next build goes through.
    fs::remove_file(kb.corpus.join("notes/huge.md")).unwrap();
    assert_success(&kb.run(&["index"]));
    assert_eq!(kb.ids("okapis"), vec!["okapi"]);
}

#[test]
fn a_read_only_index_folder_is_searched_as_it_is_and_named_when_building() {
    let root = tempfile::tempdir().unwrap();
    let Some(disk) = Tmpfs::mount(&root.path().join("disk"), "8m") else {
        return;
    };
    let kb = kb_on(&disk);
    assert_success(&kb.run(&["index"]));
    disk.remount_read_only();
    kb.note("ibis", "Ibis", &[], "About ibises.");

    let output = kb.run(&["search", "--json", "okapis"]);
    assert_success(&output);
    let err = stderr(&output);
    assert!(err.contains("cannot be rebuilt"), "{err}");
    assert!(err.contains("Read-only file system"), "{err}");
    assert_eq!(kb.ids("tapirs"), vec!["tapir"]);

    let output = kb.run(&["index"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let err = stderr(&output);
    assert_one_line(&err);
    assert!(err.contains("Read-only file system"), "{err}");
    assert!(err.contains(&kb.index.display().to_string()), "{err}");
}
