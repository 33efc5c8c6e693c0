package configprovider

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// The keys of a worker configuration that declare config providers, as in
// Kafka: config.providers lists the names, and for each name N,
// config.providers.N.class names its class and config.providers.N.param.P
// sets its parameter P.
const (
	ProvidersConfig = "config.providers"

	// FileClass, DirClass and EnvClass are the class names of Kafka's
	// providers; FromConfig also takes their simple names
	// (FileConfigProvider) and Kafka Connect's aliases (File, Directory,
	// EnvVar).
	FileClass = "org.apache.kafka.common.config.provider.FileConfigProvider"
	DirClass  = "org.apache.kafka.common.config.provider.DirectoryConfigProvider"
	EnvClass  = "org.apache.kafka.common.config.provider.EnvVarConfigProvider"

	// AllowedPathsParam is the file and directory providers' allowed.paths
	// (KIP-993): a comma-separated list of absolute paths.
	AllowedPathsParam = "allowed.paths"
	// AllowlistPatternParam is the environment provider's
	// allowlist.pattern, ".*" when not set.
	AllowlistPatternParam = "allowlist.pattern"
)

// classes are the providers FromConfig builds, by each name Kafka Connect
// finds them by.
var classes = map[string]func(params map[string]string, paramKey func(string) string) (Provider, error){
	FileClass: func(params map[string]string, paramKey func(string) string) (Provider, error) {
		paths, err := splitAllowedPaths(params, paramKey)
		if err != nil {
			return nil, err
		}
		p, err := File(paths...)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", paramKey(AllowedPathsParam), err)
		}
		return p, nil
	},
	DirClass: func(params map[string]string, paramKey func(string) string) (Provider, error) {
		paths, err := splitAllowedPaths(params, paramKey)
		if err != nil {
			return nil, err
		}
		p, err := Dir(paths...)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", paramKey(AllowedPathsParam), err)
		}
		return p, nil
	},
	EnvClass: func(params map[string]string, paramKey func(string) string) (Provider, error) {
		pattern, ok := params[AllowlistPatternParam]
		if !ok {
			pattern = ".*"
		}
		p, err := Env(pattern)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", paramKey(AllowlistPatternParam), err)
		}
		return p, nil
	},
}

// aliases are the other names of classes: the simple class names and
// Kafka Connect's aliases, the simple names without ConfigProvider.
var aliases = map[string]string{
	"FileConfigProvider": FileClass, "File": FileClass,
	"DirectoryConfigProvider": DirClass, "Directory": DirClass,
	"EnvVarConfigProvider": EnvClass, "EnvVar": EnvClass,
}

// splitAllowedPaths splits allowed.paths as Java's String.split(",")
// does: no trimming, trailing empty entries dropped.
func splitAllowedPaths(params map[string]string, paramKey func(string) string) ([]string, error) {
	v := params[AllowedPathsParam]
	if v == "" {
		return nil, nil
	}
	paths := strings.Split(v, ",")
	for len(paths) > 0 && paths[len(paths)-1] == "" {
		paths = paths[:len(paths)-1]
	}
	if len(paths) == 0 {
		// Kafka would then allow no path at all; say so rather than allow
		// every one.
		return nil, fmt.Errorf("%s: %q names no path", paramKey(AllowedPathsParam), v)
	}
	return paths, nil
}

// FromConfig returns a Resolver with the providers that a Kafka worker
// configuration declares (Kafka's config.providers keys):
//
//	config.providers=file,env,dir
//	config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider
//	config.providers.file.param.allowed.paths=/secrets
//	config.providers.env.class=EnvVarConfigProvider
//	config.providers.env.param.allowlist.pattern=DB_.*
//	config.providers.dir.class=DirectoryConfigProvider
//
// The classes are Kafka's file, directory and environment providers, by
// class name, simple name or alias (see FileClass); parameters they do not
// know are ignored, as in Kafka. Without config.providers the Resolver has
// no provider and resolves nothing.
//
// The error names the key at fault: a provider listed without a class (Kafka
// ignores it, leaving its references unresolved), a class kconnect does not
// have, or a bad parameter (an allowed path that is relative or does not
// exist, an allowlist pattern Go cannot run).
//
// Kafka resolves a worker configuration's own values with these providers
// too: a program does so by passing its configuration to Resolve.
func FromConfig(config map[string]string) (*Resolver, error) {
	providers := make(map[string]Provider)
	list := strings.TrimSpace(config[ProvidersConfig])
	if list == "" {
		return NewResolver(providers), nil
	}
	var errs []error
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			errs = append(errs, fmt.Errorf("configprovider: %s: an empty provider name in %q", ProvidersConfig, list))
			continue
		}
		if _, done := providers[name]; done {
			continue
		}
		prefix := ProvidersConfig + "." + name + "."
		classKey := prefix + "class"
		class, ok := config[classKey]
		class = strings.TrimSpace(class)
		if !ok || class == "" {
			errs = append(errs, fmt.Errorf("configprovider: %s: missing: provider %s is listed in %s", classKey, name, ProvidersConfig))
			continue
		}
		if full, ok := aliases[class]; ok {
			class = full
		}
		build := classes[class]
		if build == nil {
			errs = append(errs, fmt.Errorf("configprovider: %s: unknown config provider class %q; kconnect has %s, %s and %s",
				classKey, class, FileClass, DirClass, EnvClass))
			continue
		}
		paramPrefix := prefix + "param."
		params := make(map[string]string)
		for k, v := range config {
			if p, ok := strings.CutPrefix(k, paramPrefix); ok && p != "" {
				params[p] = v
			}
		}
		p, err := build(params, func(param string) string { return paramPrefix + param })
		if err != nil {
			errs = append(errs, fmt.Errorf("configprovider: provider %s: %w", name, err))
			continue
		}
		providers[name] = p
	}
	if err := errors.Join(errs...); err != nil {
		for _, p := range providers {
			if c, ok := p.(io.Closer); ok {
				_ = c.Close() // the configuration's error is the one to report
			}
		}
		return nil, err
	}
	return NewResolver(providers), nil
}
