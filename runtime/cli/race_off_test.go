//go:build !race

package cli_test

// raceMemory is 1 without the race detector; see race_on_test.go.
const raceMemory = 1
