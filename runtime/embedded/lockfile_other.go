//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package embedded

// lockFile does not lock where flock is missing; Dir says so.
func lockFile(string) (unlock func() error, err error) {
	return func() error { return nil }, nil
}
