package transform

import "github.com/kconnect-go/kconnect/connect"

// Filter drops every record. It is Kafka Connect's
// org.apache.kafka.connect.transforms.Filter, meant to be used with a
// predicate: with predicate=isTombstone it drops tombstones, with
// negate=true as well it keeps only them. It has no configuration.
type Filter struct{}

// Apply drops r.
func (Filter) Apply(r connect.Record) (connect.Record, bool, error) { return r, false, nil }

// FilterClass is Filter's Kafka Connect class name.
const FilterClass = "org.apache.kafka.connect.transforms.Filter"

func filterPlugins() []Plugin {
	return []Plugin{{
		PluginInfo: connect.PluginInfo{Class: FilterClass, Kind: connect.TransformationPlugin,
			Doc: "Drops all records, filtering them from subsequent transformations in the chain. " +
				"This is intended to be used conditionally to filter out records matching (or not matching) " +
				"a particular Predicate.",
			Config: connect.NewConfigDef()},
		New: func(map[string]string) (Transformation, error) { return Filter{}, nil },
	}}
}
