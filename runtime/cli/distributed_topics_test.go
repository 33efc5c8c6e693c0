package cli_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/kconnect-go/kconnect/internal/testkafka"
	"github.com/kconnect-go/kconnect/runtime/cli"
)

// A distributed worker creates its missing internal topics as Kafka
// Connect does: each with its own replication factor (-1, the broker's
// default, for one) and partitions, compacted whatever cleanup.policy is
// asked, with the other config.storage.*, offset.storage.* and
// status.storage.* keys as topic configs.
func TestDistributedCreatesInternalTopics(t *testing.T) {
	brokers := testkafka.Brokers(t)
	dir := t.TempDir()
	group := testkafka.Group(t, "topics")
	configs, offsets, status := testkafka.Topic(t, "configs"), testkafka.Topic(t, "offsets"), testkafka.Topic(t, "status")
	for _, topic := range []string{configs, offsets, status} {
		testkafka.DeleteTopicAtCleanup(t, brokers, topic)
	}
	file := writeFile(t, filepath.Join(dir, "w.properties"), strings.Join([]string{
		"bootstrap.servers=" + strings.Join(brokers, ","),
		"group.id=" + group,
		"config.storage.topic=" + configs, "config.storage.replication.factor=1",
		"config.storage.cleanup.policy=delete", "config.storage.max.message.bytes=2000000",
		"offset.storage.topic=" + offsets, "offset.storage.replication.factor=-1", "offset.storage.partitions=3",
		"offset.storage.retention.ms=86400000",
		"status.storage.topic=" + status, "status.storage.replication.factor=1", "status.storage.partitions=2",
		"status.storage.min.compaction.lag.ms=1000",
		"heartbeat.interval.ms=300", "session.timeout.ms=6000", "rebalance.timeout.ms=10000",
		"listeners=http://127.0.0.1:0", "rest.advertised.host.name=127.0.0.1",
	}, "\n")+"\n")
	w := start(t, []string{"distributed", file})
	require.Contains(t, w.logs.String(), "internal topics are always compacted")
	require.NotContains(t, w.logs.String(), "unknown worker key", "the topic settings are read")

	adm := kadm.NewClient(testkafka.Client(t, brokers))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	td, err := adm.ListTopics(ctx, configs, offsets, status)
	require.NoError(t, err)
	for topic, parts := range map[string]int{configs: 1, offsets: 3, status: 2} {
		require.NoError(t, td[topic].Err, topic)
		require.Len(t, td[topic].Partitions, parts, topic)
		require.Len(t, td[topic].Partitions[0].Replicas, 1, topic)
	}
	rcs, err := adm.DescribeTopicConfigs(ctx, configs, offsets, status)
	require.NoError(t, err)
	want := map[string]map[string]string{
		configs: {"cleanup.policy": "compact", "max.message.bytes": "2000000"},
		offsets: {"cleanup.policy": "compact", "retention.ms": "86400000"},
		status:  {"cleanup.policy": "compact", "min.compaction.lag.ms": "1000"},
	}
	for _, rc := range rcs {
		require.NoError(t, rc.Err, rc.Name)
		got := map[string]string{}
		for _, c := range rc.Configs {
			if _, ok := want[rc.Name][c.Key]; ok {
				got[c.Key] = c.MaybeValue()
			}
		}
		require.Equal(t, want[rc.Name], got, rc.Name)
	}
}

// saslProps are a distributed worker's properties on a SASL/PLAIN
// listener as testkafka.SASLUser.
func saslProps(t *testing.T, dir string, brokers []string, group, configs, offsets, status string) string {
	t.Helper()
	return writeFile(t, filepath.Join(dir, "sasl.properties"), strings.Join([]string{
		"bootstrap.servers=" + strings.Join(brokers, ","),
		"security.protocol=SASL_PLAINTEXT", "sasl.mechanism=PLAIN",
		`sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="` +
			testkafka.SASLUser + `" password="` + testkafka.SASLUserPassword + `";`,
		"producer.security.protocol=SASL_PLAINTEXT", "producer.sasl.mechanism=PLAIN",
		`producer.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="` +
			testkafka.SASLUser + `" password="` + testkafka.SASLUserPassword + `";`,
		"group.id=" + group,
		"config.storage.topic=" + configs, "config.storage.replication.factor=-1",
		"offset.storage.topic=" + offsets, "offset.storage.replication.factor=-1", "offset.storage.partitions=2",
		"status.storage.topic=" + status, "status.storage.replication.factor=-1", "status.storage.partitions=2",
		"heartbeat.interval.ms=300", "session.timeout.ms=6000", "rebalance.timeout.ms=10000",
		"offset.flush.interval.ms=200",
		"listeners=http://127.0.0.1:0", "rest.advertised.host.name=127.0.0.1",
		"key.converter=org.apache.kafka.connect.storage.StringConverter",
		"value.converter=org.apache.kafka.connect.storage.StringConverter",
	}, "\n")+"\n")
}

// grant gives testkafka.SASLUser ops on topics and groups until the test
// ends.
func grant(t *testing.T, adm *kadm.Client, topics, groups []string, ops ...kadm.ACLOperation) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	acl := kadm.NewACLs().Allow("User:" + testkafka.SASLUser).ResourcePatternType(kadm.ACLPatternLiteral).Operations(ops...)
	if len(topics) > 0 {
		acl = acl.Topics(topics...)
	}
	if len(groups) > 0 {
		acl = acl.Groups(groups...)
	}
	res, err := adm.CreateACLs(ctx, acl)
	require.NoError(t, err)
	for _, r := range res {
		require.NoError(t, r.Err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = adm.DeleteACLs(ctx, acl)
	})
}

// A distributed worker whose properties ask for SASL reaches the brokers
// with it, for its own clients (group membership, internal topics) as
// for its tasks': it creates its topics, joins its group and runs a
// connector on a listener that admits no one else.
func TestDistributedWorkerOnSASL(t *testing.T) {
	s := testkafka.SecuredCluster(t)
	dir := t.TempDir()
	group := testkafka.Group(t, "sasl")
	configs, offsets, status, lines := testkafka.Topic(t, "configs"), testkafka.Topic(t, "offsets"),
		testkafka.Topic(t, "status"), testkafka.Topic(t, "lines")
	adm := kadm.NewClient(testkafka.Client(t, nil, s.AdminOpts()...))
	grant(t, adm, []string{configs, offsets, status, lines}, nil, kadm.OpAll)
	grant(t, adm, nil, []string{group}, kadm.OpAll)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = adm.DeleteTopics(ctx, configs, offsets, status, lines)
	})
	in := writeFile(t, filepath.Join(dir, "in.txt"), "a\nb\n")

	w := start(t, []string{"distributed", saslProps(t, dir, s.Brokers, group, configs, offsets, status)})
	body := `{"name":"lines","config":{"connector.class":"FileStreamSource","file":"` + in + `","topic":"` + lines + `","tasks.max":"1"}}`
	require.Eventually(t, func() bool {
		code, resp := doJSON(t, http.MethodPost, w.ready.Listeners[0]+"connectors", body)
		require.Contains(t, []int{http.StatusCreated, http.StatusConflict}, code, resp)
		return code == http.StatusCreated
	}, 60*time.Second, 200*time.Millisecond, "log:\n%s", w.logs)
	require.Eventually(t, func() bool {
		var st connectorStatus
		code, resp := doJSON(t, http.MethodGet, w.ready.Listeners[0]+"connectors/lines/status", "")
		return code == http.StatusOK && jsonInto(resp, &st) && st.Connector.State == "RUNNING" &&
			len(st.Tasks) == 1 && st.Tasks[0].State == "RUNNING"
	}, 60*time.Second, 200*time.Millisecond, "log:\n%s", w.logs)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	groups, err := adm.DescribeGroups(ctx, group)
	require.NoError(t, err)
	require.Equal(t, "connect", groups[group].ProtocolType, "the worker is a member of its group")
	require.Len(t, groups[group].Members, 1)
}

// A principal that may use but not create the internal topics, which are
// missing, makes the worker refuse to start with an error naming the
// topic and the right it lacks.
func TestDistributedWithoutCreateRight(t *testing.T) {
	s := testkafka.SecuredCluster(t)
	dir := t.TempDir()
	group := testkafka.Group(t, "nocreate")
	configs, offsets, status := testkafka.Topic(t, "configs"), testkafka.Topic(t, "offsets"), testkafka.Topic(t, "status")
	adm := kadm.NewClient(testkafka.Client(t, nil, s.AdminOpts()...))
	grant(t, adm, []string{configs, offsets, status}, nil, kadm.OpDescribe, kadm.OpRead, kadm.OpWrite, kadm.OpDescribeConfigs)
	grant(t, adm, nil, []string{group}, kadm.OpAll)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var logs strings.Builder
	err := cli.Run(ctx, []string{"distributed", saslProps(t, dir, s.Brokers, group, configs, offsets, status)},
		cli.Output(strings.NewReader(""), &strings.Builder{}, &logs),
		cli.OnReady(func(cli.Ready) { t.Error("the worker started without its topics") }))
	require.NoError(t, ctx.Err(), "the worker did not give up by itself")
	require.Error(t, err)
	require.ErrorContains(t, err, `lacks the CREATE right on topic "`+offsets+`"`)
	require.NotContains(t, err.Error(), testkafka.SASLUserPassword)
}
