//go:build race

package cli_test

// raceMemory is how much more memory a worker process of the race-enabled
// test binary takes: the race detector's shadow grows with the heap
// (about 2.7 times in TestDistributedBacklogMemory).
const raceMemory = 3
