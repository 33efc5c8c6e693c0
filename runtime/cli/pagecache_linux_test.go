package cli_test

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// dropPageCache writes a freshly built binary back to disk and drops its
// pages from the page cache, so that the processes started from it map
// pages read from disk, as an installed program's are. Straight after the
// link, the cache holds the linker's written pages, which the kernel may
// keep as large folios and map whole on a fault: identical builds then
// idled 28 to 32 MiB after package initialisation alone, depending only on
// how their writes were cached, against 28.3 to 28.7 MiB once dropped.
// Pages already mapped by a running process stay; call it before any
// worker runs.
func dropPageCache(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
		t.Fatalf("%s: dropping its page cache: %v", path, err)
	}
}
