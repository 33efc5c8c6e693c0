// Package connectproto is the Kafka Connect group protocol: the member
// metadata a worker sends in JoinGroup and the assignment the leader hands
// each worker through SyncGroup, byte for byte as Kafka Connect's
// ConnectProtocol (eager, "default", version 0) and
// IncrementalCooperativeConnectProtocol ("compatible", version 1, and
// "sessioned", version 2) write and read them, so that kconnect and JVM
// workers can share a group.
//
// Both are Kafka protocol structs: big-endian integers, strings as an int16
// length and UTF-8 bytes, arrays and nullable bytes as an int32 count (-1
// for null). Decoding follows Kafka's readers, which every JVM worker uses
// whatever protocol the group chose: a version-0 buffer is read as a
// version-1 one whose trailing fields are missing (no allocation, nothing
// revoked, no delay), bytes after the last field are ignored, and a count
// larger than the bytes left is an error, so what a decoder allocates is
// bounded by a small multiple of its input's size, and no input makes it
// panic.
package connectproto

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Version is a Connect protocol version, the int16 that starts metadata and
// assignments.
type Version int16

// The protocol versions and the sub-protocol names a worker offers in
// JoinGroup (ConnectProtocolCompatibility).
const (
	// V0 is "default", the eager protocol: every rebalance revokes
	// everything.
	V0 Version = 0
	// V1 is "compatible", incremental cooperative rebalancing (KIP-415).
	V1 Version = 1
	// V2 is "sessioned": V1 with internal REST requests signed by a
	// session key the leader distributes through the config topic
	// (KIP-507).
	V2 Version = 2
)

// ProtocolType is the JoinGroup protocol type of Connect groups.
const ProtocolType = "connect"

// ConnectorTask is the task number that stands for the connector instance
// itself in the assignment's lists (ConnectProtocol.CONNECTOR_TASK).
const ConnectorTask = -1

// Assignment errors (ConnectProtocol.Assignment).
const (
	NoError int16 = 0
	// ConfigMismatch says the leader could not read the config topic as
	// far as a member had: members read to its end and join again.
	ConfigMismatch int16 = 1
)

// Name returns the sub-protocol name of v: "default", "compatible" or
// "sessioned"; "" for an unknown version.
func (v Version) Name() string {
	switch v {
	case V0:
		return "default"
	case V1:
		return "compatible"
	case V2:
		return "sessioned"
	}
	return ""
}

// ByName returns the version of a sub-protocol name, compared without
// regard to case as Kafka does.
func ByName(name string) (Version, bool) {
	for _, v := range []Version{V0, V1, V2} {
		if strings.EqualFold(name, v.Name()) {
			return v, true
		}
	}
	return 0, false
}

// ByMode returns the highest version a worker's connect.protocol setting
// ("eager", "compatible" or "sessioned", any case) allows.
func ByMode(mode string) (Version, bool) {
	switch strings.ToLower(mode) {
	case "eager":
		return V0, true
	case "compatible":
		return V1, true
	case "sessioned":
		return V2, true
	}
	return 0, false
}

// TaskID names a task: its connector and its number.
type TaskID struct {
	Connector string
	Task      int32
}

// String is Kafka's ConnectorTaskId.toString, "connector-task".
func (t TaskID) String() string { return t.Connector + "-" + strconv.Itoa(int(t.Task)) }

// Assignment is what the leader assigns one worker (Kafka's
// ExtendedAssignment; a version-0 assignment has no revocations and no
// delay).
type Assignment struct {
	// Version is the version the assignment was decoded with; encoders
	// take the version as an argument instead.
	Version      Version
	Error        int16
	Leader       string // the leader's member id
	LeaderURL    string // the leader's REST URL
	ConfigOffset int64  // how far in the config topic the assignment was made
	Connectors   []string
	Tasks        []TaskID
	// RevokedConnectors and RevokedTasks are what the worker must stop
	// (versions 1 and 2).
	RevokedConnectors []string
	RevokedTasks      []TaskID
	// Delay is the scheduled rebalance delay in milliseconds after which
	// the worker rejoins (versions 1 and 2).
	Delay int32
}

// String renders a like Kafka's ExtendedAssignment.toString, with the
// version in front; tests compare decoders through it.
func (a *Assignment) String() string {
	if a == nil {
		return "null"
	}
	return fmt.Sprintf("version=%d error=%d leader=%s leaderUrl=%s offset=%d connectors=%s tasks=%s revokedConnectors=%s revokedTasks=%s delay=%d",
		a.Version, a.Error, a.Leader, a.LeaderURL, a.ConfigOffset, javaList(a.Connectors), javaTaskList(a.Tasks),
		javaList(a.RevokedConnectors), javaTaskList(a.RevokedTasks), a.Delay)
}

// WorkerState is a member's metadata: its REST URL, how far it has read
// the config topic and, from version 1 on, the assignment it holds (nil
// when it holds none, sent as a null allocation).
type WorkerState struct {
	URL          string
	ConfigOffset int64
	Assignment   *Assignment
}

// String renders s for tests, as Kafka's ExtendedWorkerState with "null"
// for no assignment.
func (s WorkerState) String() string {
	return fmt.Sprintf("url=%s offset=%d assignment=%s", s.URL, s.ConfigOffset, s.Assignment.String())
}

func javaList(xs []string) string { return "[" + strings.Join(xs, ", ") + "]" }

func javaTaskList(ts []TaskID) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = t.String()
	}
	return javaList(s)
}

// AppendMetadata appends the member metadata of s under version v, as
// ConnectProtocol.serializeMetadata (V0: version, url, config offset) and
// IncrementalCooperativeConnectProtocol.serializeMetadata (V1, V2: the same
// and the allocation, s.Assignment encoded under v, or null) write it. It
// fails on a version it does not know or a string longer than 32767 bytes.
func AppendMetadata(dst []byte, v Version, s WorkerState) ([]byte, error) {
	if v < V0 || v > V2 {
		return dst, fmt.Errorf("connectproto: unknown protocol version %d", v)
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(v))
	dst, err := appendString(dst, s.URL, "url")
	if err != nil {
		return dst, err
	}
	dst = binary.BigEndian.AppendUint64(dst, uint64(s.ConfigOffset))
	if v == V0 {
		return dst, nil
	}
	if s.Assignment == nil {
		return binary.BigEndian.AppendUint32(dst, math.MaxUint32), nil // null
	}
	at := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst, err = AppendAssignment(dst, v, s.Assignment)
	if err != nil {
		return dst, err
	}
	binary.BigEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
	return dst, nil
}

// Metadata returns s's metadata for each version a worker whose highest
// version is highest offers (highest and every version below it), in the order of preference JoinGroup lists them
// (highest first), as WorkerCoordinator.metadata.
func Metadata(highest Version, s WorkerState) (names []string, metadata [][]byte, err error) {
	for v := highest; v >= V0; v-- {
		b, err := AppendMetadata(nil, v, s)
		if err != nil {
			return nil, nil, err
		}
		names = append(names, v.Name())
		metadata = append(metadata, b)
	}
	return names, metadata, nil
}

// AppendAssignment appends a encoded under version v: V0 as
// ConnectProtocol.serializeAssignment (a's revocations and delay are not
// written), V1 and V2 as IncrementalCooperativeConnectProtocol's. a.Version
// is not used. Connectors and tasks are grouped by connector in Kafka's
// order, so the bytes are a JVM leader's for the same lists: the assigned
// connectors in the iteration order of the java.util.HashSet Kafka builds
// of them (as a Java 17 HashSet sizes itself; see hashSetOrder), then each
// further connector of a task where it first appears; revoked connectors
// in their order. It fails on a version it does not know, a string longer
// than 32767 bytes or more than 2^31-1 elements.
func AppendAssignment(dst []byte, v Version, a *Assignment) ([]byte, error) {
	if v < V0 || v > V2 {
		return dst, fmt.Errorf("connectproto: unknown protocol version %d", v)
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(v))
	dst = binary.BigEndian.AppendUint16(dst, uint16(a.Error))
	dst, err := appendString(dst, a.Leader, "leader")
	if err != nil {
		return dst, err
	}
	if dst, err = appendString(dst, a.LeaderURL, "leader url"); err != nil {
		return dst, err
	}
	dst = binary.BigEndian.AppendUint64(dst, uint64(a.ConfigOffset))
	if dst, err = appendGroups(dst, groupTasks(hashSetOrder(a.Connectors), a.Tasks)); err != nil {
		return dst, err
	}
	if v == V0 {
		return dst, nil
	}
	if dst, err = appendGroups(dst, groupTasks(distinct(a.RevokedConnectors), a.RevokedTasks)); err != nil {
		return dst, err
	}
	return binary.BigEndian.AppendUint32(dst, uint32(a.Delay)), nil
}

// group is one connector's entry of an assignment: the connector and its
// task numbers, ConnectorTask for the connector itself.
type group struct {
	connector string
	tasks     []int32
}

// groupTasks is Kafka's asMap: a LinkedHashMap from each connector of
// conns (ConnectorTask) and then of tasks to its numbers.
func groupTasks(conns []string, tasks []TaskID) []group {
	var gs []group
	idx := make(map[string]int, len(conns))
	add := func(c string, n int32) {
		i, ok := idx[c]
		if !ok {
			i = len(gs)
			idx[c] = i
			gs = append(gs, group{connector: c})
		}
		gs[i].tasks = append(gs[i].tasks, n)
	}
	for _, c := range conns {
		add(c, ConnectorTask)
	}
	for _, t := range tasks {
		add(t.Connector, t.Task)
	}
	return gs
}

func appendGroups(dst []byte, gs []group) ([]byte, error) {
	if len(gs) > math.MaxInt32 {
		return dst, errors.New("connectproto: too many connectors")
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(gs)))
	for _, g := range gs {
		var err error
		if dst, err = appendString(dst, g.connector, "connector name"); err != nil {
			return dst, err
		}
		if len(g.tasks) > math.MaxInt32 {
			return dst, fmt.Errorf("connectproto: connector %q: too many tasks", g.connector)
		}
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(g.tasks)))
		for _, n := range g.tasks {
			dst = binary.BigEndian.AppendUint32(dst, uint32(n))
		}
	}
	return dst, nil
}

func appendString(dst []byte, s, what string) ([]byte, error) {
	if len(s) > math.MaxInt16 {
		return dst, fmt.Errorf("connectproto: %s is %d bytes, more than the protocol's %d", what, len(s), math.MaxInt16)
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(s)))
	return append(dst, s...), nil
}

// distinct returns xs without repeats, in first-appearance order.
func distinct(xs []string) []string {
	seen := make(map[string]bool, len(xs))
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// hashSetOrder returns the iteration order of new HashSet<>(xs) on Java 17:
// the set's table holds tableSizeFor(max(size/0.75 + 1, 16)) buckets, size
// counting repeats, and a key sits in bucket (h ^ h>>>16) & (capacity-1) of
// its String.hashCode h, keys of one bucket in insertion order. (Java 19
// and later size the table from max(size, 12)/0.75 instead, which orders
// sets of exactly 12·2^k connectors differently; the order carries no
// meaning, only the bytes differ.)
func hashSetOrder(xs []string) []string {
	d := distinct(xs)
	if len(d) < 2 {
		return d
	}
	want := max(int(float32(len(xs))/0.75)+1, 16)
	capacity := 1
	for capacity < want {
		capacity <<= 1
	}
	// Insertions beyond the threshold double the table, as HashMap.resize.
	for float64(len(d)) > 0.75*float64(capacity) {
		capacity <<= 1
	}
	mask := int32(capacity - 1)
	bucket := make(map[string]int32, len(d))
	for _, s := range d {
		h := javaStringHash(s)
		bucket[s] = (h ^ int32(uint32(h)>>16)) & mask
	}
	out := make([]string, 0, len(d))
	// A stable sort by bucket keeps insertion order within a bucket.
	out = append(out, d...)
	stableSortBy(out, func(s string) int32 { return bucket[s] })
	return out
}

func stableSortBy(xs []string, key func(string) int32) {
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && key(xs[j-1]) > key(xs[j]); j-- {
			xs[j-1], xs[j] = xs[j], xs[j-1]
		}
	}
}

// javaStringHash is String.hashCode over the string's UTF-16 code units;
// bytes that are not UTF-8 count as U+FFFD, as Java decodes them.
func javaStringHash(s string) int32 {
	var h int32
	for _, r := range s {
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			h = 31*h + r1
			h = 31*h + r2
			continue
		}
		if r == utf8.RuneError {
			r = 0xFFFD
		}
		h = 31*h + r
	}
	return h
}

// ErrTruncated is wrapped by decoding errors where the bytes end before a
// field that has no default.
var ErrTruncated = errors.New("truncated")

// decoder reads Kafka protocol types from b, remembering the first error.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format, args...)
	}
}

func (d *decoder) need(n int, field string) bool {
	if d.err != nil {
		return false
	}
	if len(d.b) < n {
		d.fail("connectproto: reading %s: %w: %d bytes left, %d needed", field, ErrTruncated, len(d.b), n)
		return false
	}
	return true
}

func (d *decoder) int16(field string) int16 {
	if !d.need(2, field) {
		return 0
	}
	v := int16(binary.BigEndian.Uint16(d.b))
	d.b = d.b[2:]
	return v
}

func (d *decoder) int32(field string) int32 {
	if !d.need(4, field) {
		return 0
	}
	v := int32(binary.BigEndian.Uint32(d.b))
	d.b = d.b[4:]
	return v
}

func (d *decoder) int64(field string) int64 {
	if !d.need(8, field) {
		return 0
	}
	v := int64(binary.BigEndian.Uint64(d.b))
	d.b = d.b[8:]
	return v
}

func (d *decoder) string(field string) string {
	n := d.int16(field)
	if d.err != nil {
		return ""
	}
	if n < 0 {
		d.fail("connectproto: reading %s: string length %d cannot be negative", field, n)
		return ""
	}
	if !d.need(int(n), field) {
		return ""
	}
	s := javaUTF8(d.b[:n])
	d.b = d.b[n:]
	return s
}

// javaUTF8 decodes b as Java's new String(b, UTF_8) does, so that names
// read here are the names a JVM worker reads: each maximal ill-formed
// subsequence becomes one U+FFFD.
func javaUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r != utf8.RuneError || n > 1 {
			out = append(out, b[:n]...)
			b = b[n:]
			continue
		}
		out = utf8.AppendRune(out, utf8.RuneError)
		b = b[illFormedPrefix(b):]
	}
	return string(out)
}

// illFormedPrefix returns the length of the maximal subpart of an
// ill-formed sequence at the start of b as Java 17's String decoder sees
// it: the lead byte and the continuation bytes that could still have
// completed it, except that an encoded surrogate (ED A0..BF 80..BF) is one
// ill-formed sequence of three bytes.
func illFormedPrefix(b []byte) int {
	lo, hi := byte(0x80), byte(0xBF)
	var need int
	switch c := b[0]; {
	case c >= 0xC2 && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case c >= 0xE1 && c <= 0xEF:
		need = 2
	case c == 0xF0:
		need, lo = 3, 0x90
	case c == 0xF4:
		need, hi = 3, 0x8F
	case c >= 0xF1 && c <= 0xF3:
		need = 3
	default:
		return 1
	}
	n := 1
	for ; n <= need && n < len(b); n++ {
		if b[n] < lo || b[n] > hi {
			break
		}
		lo, hi = 0x80, 0xBF
	}
	return n
}

// count reads an array's element count; null says the array is null
// (allowed only where nullable). A count larger than the bytes left is an
// error, as in Kafka, which also bounds what a decoder allocates.
func (d *decoder) count(field string, nullable bool) (n int, null bool) {
	c := d.int32(field)
	if d.err != nil {
		return 0, false
	}
	if c < 0 {
		if nullable {
			return 0, true
		}
		d.fail("connectproto: reading %s: array size %d cannot be negative", field, c)
		return 0, false
	}
	if int(c) > len(d.b) {
		d.fail("connectproto: reading %s: %w: array of size %d, only %d bytes available", field, ErrTruncated, c, len(d.b))
		return 0, false
	}
	return int(c), false
}

func (d *decoder) header() Version {
	v := Version(d.int16("version"))
	if d.err == nil && v < V0 {
		d.fail("connectproto: unsupported protocol version %d", v)
	}
	return v
}

// DecodeMetadata reads a member's metadata as
// IncrementalCooperativeConnectProtocol.deserializeMetadata, which Kafka's
// assignors use for every version: version, url, config offset and, when
// bytes follow, the allocation (a nested assignment, or null). It returns
// the version the member wrote.
func DecodeMetadata(b []byte) (WorkerState, Version, error) {
	d := decoder{b: b}
	v := d.header()
	s := WorkerState{URL: d.string("url"), ConfigOffset: d.int64("config-offset")}
	if d.err != nil {
		return WorkerState{}, 0, d.err
	}
	if len(d.b) == 0 {
		return s, v, nil
	}
	n := d.int32("allocation")
	if d.err != nil {
		return WorkerState{}, 0, d.err
	}
	if n < 0 {
		return s, v, nil
	}
	if !d.need(int(n), "allocation") {
		return WorkerState{}, 0, d.err
	}
	a, err := DecodeAssignment(d.b[:n])
	if err != nil {
		return WorkerState{}, 0, fmt.Errorf("connectproto: the member's allocation: %w", err)
	}
	s.Assignment = &a
	return s, v, nil
}

// DecodeAssignment reads an assignment as
// IncrementalCooperativeConnectProtocol.deserializeAssignment, which every
// JVM worker uses whatever the group's protocol: fields after the config
// offset that the bytes do not hold take their defaults (nothing assigned
// or revoked, no delay), so a version-0 assignment reads too.
func DecodeAssignment(b []byte) (Assignment, error) {
	d := decoder{b: b}
	a := Assignment{Version: d.header()}
	a.Error = d.int16("error")
	a.Leader = d.string("leader")
	a.LeaderURL = d.string("leader-url")
	a.ConfigOffset = d.int64("config-offset")
	if d.err != nil {
		return Assignment{}, d.err
	}
	if len(d.b) > 0 {
		a.Connectors, a.Tasks = d.groups("assignment")
	}
	if d.err == nil && len(d.b) > 0 {
		a.RevokedConnectors, a.RevokedTasks = d.groups("revoked")
	}
	if d.err == nil && len(d.b) > 0 {
		a.Delay = d.int32("delay")
	}
	if d.err != nil {
		return Assignment{}, d.err
	}
	return a, nil
}

// groups reads a nullable array of connector assignments into the
// connectors (those listing ConnectorTask) and tasks it names.
func (d *decoder) groups(field string) (conns []string, tasks []TaskID) {
	n, _ := d.count(field, true)
	for range n {
		c := d.string(field + ".connector")
		m, _ := d.count(field+".tasks", false)
		for range m {
			t := d.int32(field + ".tasks")
			if d.err != nil {
				return nil, nil
			}
			if t == ConnectorTask {
				conns = append(conns, c)
			} else {
				tasks = append(tasks, TaskID{Connector: c, Task: t})
			}
		}
		if d.err != nil {
			return nil, nil
		}
	}
	return conns, tasks
}
