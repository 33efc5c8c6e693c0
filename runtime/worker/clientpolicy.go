package worker

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Worker keys of the client override policy, as Kafka Connect names them.
const (
	ClientOverridePolicyConfig    = "connector.client.config.override.policy"
	ClientOverrideAllowlistConfig = "connector.client.config.override.allowlist"
	AdminOverridePrefix           = "admin.override."
)

// The policies Kafka ships, by alias, with the package of their classes.
const policyPackage = "org.apache.kafka.connect.connector.policy."

var overridePolicies = []string{"All", "None", "Principal", "Allowlist"}

// principalProps are what the Principal policy lets a connector override.
var principalProps = []string{"sasl.jaas.config", "sasl.mechanism", "security.protocol"}

// overridePolicyConfig is ClientOverridePolicy's arguments.
type overridePolicyConfig struct {
	given     string // the class or alias as given; "" is All
	alias     string // the policy, set by check
	allowlist []string
}

// ClientOverridePolicy sets which client properties connectors may
// override with producer.override.*, consumer.override.* and
// admin.override.* (connector.client.config.override.policy), by the
// class name or alias Kafka Connect knows: All (Kafka 4's default, and
// this one's) lets them override any, None none, Principal only
// sasl.jaas.config, sasl.mechanism and security.protocol, and Allowlist
// (KIP-1188) only those named in allowlist
// (connector.client.config.override.allowlist, empty by default: none),
// client property names without prefix, compared exactly. Other policies
// ignore allowlist, as Kafka does. New returns an error naming the key for
// a policy kconnect does not know (a custom class) and for an allowlist
// naming a property twice.
//
// The policy is applied to the overrides of the clients a connector uses,
// as Kafka Connect does: a source connector's producer, a sink
// connector's consumer, the producer of a sink with a dead letter queue
// and the admin client of a source with topic.creation keys or of a sink
// with a dead letter queue. Each property the policy refuses is an error
// on its key, with Kafka's message ("The 'None' policy does not allow
// 'linger.ms' to be overridden in the connector configuration."):
// ValidateConnectorConfig counts it, and CreateConnector, UpdateConnector
// and PutConnectorConfig refuse the configuration.
func ClientOverridePolicy(policy string, allowlist ...string) Opt {
	return func(o *options) {
		list := make([]string, len(allowlist))
		for i, name := range allowlist {
			list[i] = strings.TrimSpace(name) // as Kafka's list values
		}
		o.overridePolicy = overridePolicyConfig{given: policy, allowlist: list}
	}
}

// check resolves the policy's alias, or says why it cannot.
func (pc *overridePolicyConfig) check() error {
	given := strings.TrimSpace(pc.given)
	if given == "" {
		given = "All"
	}
	pc.alias = ""
	for _, a := range overridePolicies {
		if given == a || given == a+"ConnectorClientConfigOverridePolicy" || given == policyPackage+a+"ConnectorClientConfigOverridePolicy" {
			pc.alias = a
		}
	}
	if pc.alias == "" {
		return &connect.ConfigError{Errors: []*connect.ConfigKeyError{keyError(ClientOverridePolicyConfig,
			fmt.Sprintf("unknown policy %q: kconnect has All, None, Principal and Allowlist", pc.given))}}
	}
	if pc.alias == "Allowlist" {
		seen := map[string]bool{}
		for _, name := range pc.allowlist {
			if seen[name] {
				return &connect.ConfigError{Errors: []*connect.ConfigKeyError{keyError(ClientOverrideAllowlistConfig,
					fmt.Sprintf("%q is listed twice", name))}}
			}
			seen[name] = true
		}
	}
	return nil
}

// allows reports whether the policy lets a connector override the client
// property name (without prefix).
func (pc *overridePolicyConfig) allows(name string) bool {
	switch pc.alias {
	case "None":
		return false
	case "Principal":
		return slices.Contains(principalProps, name)
	case "Allowlist":
		return slices.Contains(pc.allowlist, name)
	}
	return true
}

// refusal is Kafka's message for a property the policy refuses.
func (pc *overridePolicyConfig) refusal(name string) string {
	return "The '" + pc.alias + "' policy does not allow '" + name + "' to be overridden in the connector configuration."
}

// connectorClients is what a connector's overrides make of its clients:
// for each kind, the options to apply after the runtime's own settings
// (the worker's prefixed ClientConfig keys, then the connector's
// overrides) and the security options (TLS, SASL).
type connectorClients struct {
	producer, consumer, admin          []kgo.Opt
	producerSec, consumerSec, adminSec []kgo.Opt
	hasAdminOverrides                  bool
	// maxPollRecords is the most records a sink task's Put gets:
	// consumer.override.max.poll.records, else the worker's.
	maxPollRecords int
}

// overrideClient is one client a connector uses, with its overrides.
type overrideClient struct {
	kind   clientKind
	prefix string
}

// usedClients are the clients a connector of kind uses whose overrides
// Kafka Connect checks (AbstractHerder's connectorUses*).
func usedClients(kind connect.PluginKind, raw map[string]string) []overrideClient {
	dlq := strings.TrimSpace(raw[DLQTopicNameConfig]) != ""
	var out []overrideClient
	if kind == connect.SourcePlugin || dlq {
		out = append(out, overrideClient{producerClient, ProducerOverridePrefix})
	}
	if (kind == connect.SourcePlugin && usesTopicCreation(raw)) || (kind == connect.SinkPlugin && dlq) {
		out = append(out, overrideClient{adminClient, AdminOverridePrefix})
	}
	if kind == connect.SinkPlugin {
		out = append(out, overrideClient{consumerClient, ConsumerOverridePrefix})
	}
	return out
}

// connectorClients checks a connector's overrides against the policy and
// translates them. The error is a *connect.ConfigError naming every key
// refused or not understood.
func (w *engine) connectorClients(kind connect.PluginKind, raw map[string]string) (connectorClients, error) {
	cc := connectorClients{maxPollRecords: w.clients.maxPollRecords}
	var bad []*connect.ConfigKeyError
	for _, c := range usedClients(kind, raw) {
		overrides := map[string]string{}
		for key, v := range raw {
			name, ok := strings.CutPrefix(key, c.prefix)
			if !ok {
				continue
			}
			if !w.opts.overridePolicy.allows(name) {
				bad = append(bad, &connect.ConfigKeyError{Key: key, Message: key + ": " + w.opts.overridePolicy.refusal(name)})
				continue
			}
			overrides[name] = v
		}
		opts, sec, errs := w.clientOverrides(overrides, c.prefix, c.kind)
		bad = append(bad, errs...)
		switch c.kind {
		case producerClient:
			cc.producer, cc.producerSec = opts, sec
		case consumerClient:
			cc.consumer, cc.consumerSec = opts, sec
			cc.maxPollRecords = maxPollRecords(overrides, cc.maxPollRecords)
		case adminClient:
			cc.admin, cc.adminSec, cc.hasAdminOverrides = opts, sec, len(overrides) > 0
		}
	}
	if len(bad) > 0 {
		return cc, &connect.ConfigError{Errors: uniqueKeyErrors(bad)}
	}
	return cc, nil
}

// connectorAdmin returns the admin client for connector c's topic creation
// or dead letter topic, and what to call when done with it: the worker's,
// unless c overrides admin client properties, when it is one of c's own,
// with the worker's admin settings and c's admin.override.* over them, as
// Kafka Connect builds a connector's admin client.
func (w *engine) connectorAdmin(c *connectorRun, clientID string) (*kgo.Client, func(), error) {
	if !c.clients.hasAdminOverrides {
		return w.admin, func() {}, nil
	}
	cl, err := kgo.NewClient(append(w.clientOptsWith(c.clients.adminSec, kgo.ClientID(clientID)), c.clients.admin...)...)
	if err != nil {
		return nil, nil, err
	}
	return cl, cl.Close, nil
}
