package layering

import (
	"bytes"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// kfake is franz-go's in-process Kafka broker.
const kfake = "github.com/twmb/franz-go/pkg/kfake"

// listDeps returns what "go list -deps" lists for the module's packages
// pkgs: what a program importing them links, besides its own code.
func listDeps(t *testing.T, pkgs ...string) []string {
	t.Helper()
	args := []string{"list", "-deps"}
	for _, p := range pkgs {
		args = append(args, module+"/"+p)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = moduleRoot(t)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list -deps %v failed: %v\n%s", pkgs, err, stderr.String())
	}
	deps := strings.Fields(stdout.String())
	if len(deps) == 0 {
		t.Fatalf("go list -deps %v listed nothing", pkgs)
	}
	return deps
}

// TestRuntimeLinksNoBroker checks that a program importing the runtime
// links no in-process Kafka broker unless it imports
// runtime/embedded: a service that always talks to a real cluster
// should not carry a broker it never starts. "go list -deps" of a package
// is what any program importing it links, besides its own code.
func TestRuntimeLinksNoBroker(t *testing.T) {
	for _, p := range []string{"runtime/worker", "runtime/prommetrics", "runtime/herder", "runtime/rest", "runtime/loglevels"} {
		for _, d := range listDeps(t, p) {
			if d == kfake || strings.HasPrefix(d, kfake+"/") {
				t.Errorf("%s links %s: only runtime/embedded may depend on it", p, d)
			}
		}
	}
}

// drivers are the database drivers the JDBC connectors bring in.
var drivers = []string{"github.com/jackc/pgx", "github.com/go-sql-driver/mysql", "modernc.org/"}

// TestCoreLinksNoDatabaseDriver checks that the contracts and the runtime
// link no database driver: the JDBC connectors live in this module, and
// only a program that imports them (or runtime/cli/all, which cmd/kconnect
// passes to the worker program) links the drivers.
func TestCoreLinksNoDatabaseDriver(t *testing.T) {
	pkgs := []string{"connect", "source", "sink", "transform", "offset", "connecttest", "configprovider",
		"converter/jsonconv", "runtime/worker", "runtime/herder", "runtime/rest", "runtime/embedded"}
	for _, d := range listDeps(t, pkgs...) {
		for _, drv := range drivers {
			if strings.HasPrefix(d, drv) {
				t.Errorf("one of %v links %s: only the JDBC connectors and programs may depend on a database driver", pkgs, d)
			}
		}
	}
}

// schemaRegistryDeps are what the schema-registry converters bring in: the
// Avro and Protobuf libraries, the JSON Schema validator, the registry
// client and the converters themselves.
var schemaRegistryDeps = []string{"github.com/hamba/avro", "github.com/santhosh-tekuri/jsonschema", "github.com/twmb/franz-go/pkg/sr",
	"github.com/bufbuild/protocompile", "google.golang.org/protobuf", module + "/converter/avro", module + "/converter/protobuf",
	module + "/converter/jsonschema"}

// TestCoreLinksNoAvro checks that the contracts, the other converters and
// the runtime link neither Avro, a JSON Schema validator nor a schema
// registry client: only a program importing converter/avro or
// converter/jsonschema (or runtime/cli/all, which cmd/kconnect passes to
// the worker program) does.
func TestCoreLinksNoAvro(t *testing.T) {
	pkgs := []string{"connect", "source", "sink", "transform", "offset", "connecttest", "configprovider",
		"converter/jsonconv", "converter/stringconv", "runtime/worker", "runtime/herder", "runtime/rest", "runtime/embedded"}
	for _, d := range listDeps(t, pkgs...) {
		for _, dep := range schemaRegistryDeps {
			if strings.HasPrefix(d, dep) {
				t.Errorf("one of %v links %s: only the schema-registry converters and programs may depend on it", pkgs, d)
			}
		}
	}
}

// TestProgramLibraryLinksOnlyFileStream checks that the worker program as
// a library, runtime/cli, links no connector or converter beyond the
// FileStream connectors and the worker's own, nor any of their libraries:
// a program over it pays for the plugin families it names, and
// runtime/cli/all names them all.
func TestProgramLibraryLinksOnlyFileStream(t *testing.T) {
	heavy := append(append([]string{"go.mongodb.org/"}, drivers...), schemaRegistryDeps...)
	heavy = slices.DeleteFunc(heavy, func(d string) bool { return d == "google.golang.org/protobuf" }) // Prometheus's client links it
	for _, d := range listDeps(t, "runtime/cli") {
		rel, ours := strings.CutPrefix(d, module+"/")
		if ours && (strings.HasPrefix(rel, "source/") || strings.HasPrefix(rel, "sink/")) && rel != "source/file" && rel != "sink/file" {
			t.Errorf("runtime/cli links the connector %s: only programs may name it", rel)
		}
		for _, h := range heavy {
			if strings.HasPrefix(d, h) {
				t.Errorf("runtime/cli links %s: only a plugin family's packages and programs may depend on it", d)
			}
		}
	}
}
