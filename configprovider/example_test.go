package configprovider_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/kconnect-go/kconnect/configprovider"
)

// A worker configuration declares its providers; a connector's
// configuration refers to them.
func Example() {
	dir, err := os.MkdirTemp("", "secrets")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db := filepath.Join(dir, "db.properties")
	if err := os.WriteFile(db, []byte("user=alice\npassword=hunter2\n"), 0o600); err != nil {
		log.Fatal(err)
	}

	r, err := configprovider.FromConfig(map[string]string{
		"config.providers":                          "file",
		"config.providers.file.class":               "org.apache.kafka.common.config.provider.FileConfigProvider",
		"config.providers.file.param.allowed.paths": dir,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()

	res, err := r.Resolve(context.Background(), map[string]string{
		"connection.user":     "${file:" + db + ":user}",
		"connection.password": "${file:" + db + ":password}",
		"connection.url":      "jdbc:postgresql://db/orders",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Config["connection.user"], res.Config["connection.password"], res.Config["connection.url"])
	// Output: alice hunter2 jdbc:postgresql://db/orders
}

// A reference that cannot be resolved is left as it is and reported,
// without the values that were resolved.
func ExampleResolver_Resolve_unresolved() {
	os.Setenv("EXAMPLE_DB_PASSWORD", "hunter2")
	env, err := configprovider.Env("EXAMPLE_.*")
	if err != nil {
		log.Fatal(err)
	}
	r := configprovider.NewResolver(map[string]configprovider.Provider{"env": env})
	res, err := r.Resolve(context.Background(), map[string]string{
		"password": "${env:EXAMPLE_DB_PASSWORD}",
		"user":     "${env:EXAMPLE_DB_USER}",
		"template": "${not.a.provider:x}",
	})
	fmt.Println(err)
	fmt.Println(errors.Is(err, configprovider.ErrNotFound))
	fmt.Println(res.Config["user"], res.Config["template"])
	// Output:
	// configprovider: cannot resolve config key user: ${env:EXAMPLE_DB_USER}: configprovider: no such key
	// true
	// ${env:EXAMPLE_DB_USER} ${not.a.provider:x}
}

// Redact keeps secrets out of messages about a resolved configuration.
func ExampleResolved_Redact() {
	os.Setenv("EXAMPLE_TOKEN", "s3cr3t-t0ken")
	env, err := configprovider.Env(".*")
	if err != nil {
		log.Fatal(err)
	}
	res, err := configprovider.NewResolver(map[string]configprovider.Provider{"env": env}).
		Resolve(context.Background(), map[string]string{"token": "${env:EXAMPLE_TOKEN}"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Redact("Invalid value " + res.Config["token"] + " for configuration token"))
	// Output: Invalid value ${env:EXAMPLE_TOKEN} for configuration token
}

// Dir reads secrets mounted as one file per key.
func ExampleDir() {
	dir, err := os.MkdirTemp("", "secrets")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "api-key"), []byte("k-123"), 0o600); err != nil {
		log.Fatal(err)
	}
	p, err := configprovider.Dir(dir)
	if err != nil {
		log.Fatal(err)
	}
	values, err := p.Get(context.Background(), dir, "api-key")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(values["api-key"])
	// Output: k-123
}

func ExampleReferences() {
	for _, ref := range configprovider.References("jdbc:postgresql://${env:DB_HOST}/x?password=${file:/secrets/db.properties:password}") {
		fmt.Printf("provider %q path %q key %q\n", ref.Provider, ref.Path, ref.Key)
	}
	// Output:
	// provider "env" path "" key "DB_HOST"
	// provider "file" path "/secrets/db.properties" key "password"
}
