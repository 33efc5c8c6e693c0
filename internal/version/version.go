// Package version holds kconnect's version: the one the worker reports
// (GET /, the worker program's version command) and the one every plugin
// that comes with kconnect reports as its own, as Kafka Connect's built-in
// plugins report the worker's version.
package version

import (
	"runtime/debug"
	"sync"
)

// Module is kconnect's module path.
const Module = "github.com/kconnect-go/kconnect"

// Unknown is reported for what a program's build information does not say.
const Unknown = "unknown"

var build = sync.OnceValues(func() (version, commit string) {
	version, commit = Unknown, Unknown
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return version, commit
	}
	if bi.Main.Path == Module && bi.Main.Version != "" {
		version = bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == Module && d.Version != "" {
			version = d.Version
			if d.Replace != nil && d.Replace.Version != "" {
				version = d.Replace.Version
			}
		}
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" {
			commit = s.Value
		}
	}
	return version, commit
})

// Kconnect returns the version of kconnect the running program was built
// with, as its build information records the module: "v1.2.3" for a
// released module (whether kconnect is the program's main module or one of
// its dependencies), "(devel)" for a build from a checkout, Unknown when
// the program carries no build information. It is the same for every call.
func Kconnect() string {
	v, _ := build()
	return v
}

// Commit returns the VCS revision the program was built from, or Unknown
// when the build did not record one (go test, a build outside a checkout).
func Commit() string {
	_, c := build()
	return c
}
