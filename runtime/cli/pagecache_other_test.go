//go:build !linux

package cli_test

import "testing"

// dropPageCache does nothing here: the benchmark that calls it reads
// /proc, which only Linux has.
func dropPageCache(t *testing.T, path string) {}
