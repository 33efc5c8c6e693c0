package layering

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// kfake is franz-go's in-process Kafka broker.
const kfake = "github.com/twmb/franz-go/pkg/kfake"

// TestRuntimeLinksNoBroker checks that a program importing the runtime
// links no in-process Kafka broker unless it imports
// runtime/embedded: a service that always talks to a real cluster
// should not carry a broker it never starts. "go list -deps" of a package
// is what any program importing it links, besides its own code.
func TestRuntimeLinksNoBroker(t *testing.T) {
	root := moduleRoot(t)
	for _, p := range []string{"runtime/worker", "runtime/prommetrics", "runtime/herder", "runtime/rest", "runtime/loglevels"} {
		cmd := exec.Command("go", "list", "-deps", module+"/"+p)
		cmd.Dir = root
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("go list -deps %s failed: %v\n%s", p, err, stderr.String())
		}
		deps := strings.Fields(stdout.String())
		if len(deps) == 0 {
			t.Fatalf("go list -deps %s listed nothing", p)
		}
		for _, d := range deps {
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
// only a program that imports them (or the worker program, runtime/cli,
// which has them built in) links the drivers.
func TestCoreLinksNoDatabaseDriver(t *testing.T) {
	root := moduleRoot(t)
	pkgs := []string{"connect", "source", "sink", "transform", "offset", "connecttest", "configprovider",
		"converter/jsonconv", "runtime/worker", "runtime/herder", "runtime/rest", "runtime/embedded"}
	args := []string{"list", "-deps"}
	for _, p := range pkgs {
		args = append(args, module+"/"+p)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list -deps failed: %v\n%s", err, stderr.String())
	}
	deps := strings.Fields(stdout.String())
	if len(deps) == 0 {
		t.Fatal("go list -deps listed nothing")
	}
	for _, d := range deps {
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
// converter/jsonschema (or the worker program, runtime/cli, which has them
// built in) does.
func TestCoreLinksNoAvro(t *testing.T) {
	root := moduleRoot(t)
	pkgs := []string{"connect", "source", "sink", "transform", "offset", "connecttest", "configprovider",
		"converter/jsonconv", "converter/stringconv", "runtime/worker", "runtime/herder", "runtime/rest", "runtime/embedded"}
	args := []string{"list", "-deps"}
	for _, p := range pkgs {
		args = append(args, module+"/"+p)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list -deps failed: %v\n%s", err, stderr.String())
	}
	deps := strings.Fields(stdout.String())
	if len(deps) == 0 {
		t.Fatal("go list -deps listed nothing")
	}
	for _, d := range deps {
		for _, dep := range schemaRegistryDeps {
			if strings.HasPrefix(d, dep) {
				t.Errorf("one of %v links %s: only the schema-registry converters and programs may depend on it", pkgs, d)
			}
		}
	}
}
