// Package workergroup is a Connect worker's membership of its group, as
// Kafka Connect's WorkerCoordinator holds it: JoinGroup with protocol
// type "connect" offering the sub-protocols up to the worker's
// connect.protocol ("sessioned", "compatible", "default", in that order of
// preference, each with its member metadata), SyncGroup carrying the
// leader's assignments, Heartbeat and LeaveGroup, all sent as Kafka
// protocol requests through a kgo.Client, which finds the group
// coordinator and follows it when it moves.
//
// A Member runs one join at a time and leaves the rest to its caller (the
// distributed herder): when to heartbeat, what to do with an assignment.
// On the leader, Join decodes every member's metadata and hands it, with
// the highest config offset among them, to the assignor the caller
// configured, as Kafka's ConnectAssignor receives it.
package workergroup

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kconnect-go/kconnect/internal/connectproto"
)

// Config configures a Member. Durations of zero take Kafka Connect's
// defaults.
type Config struct {
	// Group is the worker's group.id; required.
	Group string
	// Highest is the highest protocol version the worker offers
	// (connect.protocol: eager V0, compatible V1, sessioned V2).
	Highest connectproto.Version
	// SessionTimeout (session.timeout.ms, 10s) is how long the
	// coordinator waits for a heartbeat before dropping the member;
	// RebalanceTimeout (rebalance.timeout.ms, 60s) how long it waits for
	// members to rejoin during a rebalance.
	SessionTimeout   time.Duration
	RebalanceTimeout time.Duration
	// State returns the worker's metadata for a join: its REST URL, how
	// far it has read the config topic and the assignment it holds (nil
	// for none). Required.
	State func() connectproto.WorkerState
	// Assign is called on the leader with the group's members; it
	// returns every member's assignment, which Join encodes under the
	// group's protocol. Required.
	Assign func(ctx context.Context, g Group) (map[string]*connectproto.Assignment, error)
}

// Group is what the leader knows of a generation of the group.
type Group struct {
	Generation int32
	LeaderID   string
	// Protocol is the protocol the coordinator chose, one all members
	// offer.
	Protocol connectproto.Version
	// Members are the members' metadata for the chosen protocol, by
	// member id.
	Members []GroupMember
	// MaxConfigOffset is the highest config offset a member read (Kafka's
	// assignors check that the leader has read that far, else they
	// answer ConfigMismatch; see MismatchAssignments).
	MaxConfigOffset int64
}

// GroupMember is one member's metadata.
type GroupMember struct {
	ID string
	connectproto.WorkerState
}

// Leader returns the leader's metadata.
func (g Group) Leader() GroupMember {
	for _, m := range g.Members {
		if m.ID == g.LeaderID {
			return m
		}
	}
	return GroupMember{}
}

// MismatchAssignments returns the assignments Kafka's assignors give every
// member when the leader cannot read the config topic as far as some
// member has: error ConfigMismatch, the leader and its URL, the highest
// config offset, nothing assigned, so that every worker reads the config
// topic and joins again.
func MismatchAssignments(g Group) map[string]*connectproto.Assignment {
	out := make(map[string]*connectproto.Assignment, len(g.Members))
	for _, m := range g.Members {
		out[m.ID] = &connectproto.Assignment{Version: g.Protocol, Error: connectproto.ConfigMismatch,
			Leader: g.LeaderID, LeaderURL: g.Leader().URL, ConfigOffset: g.MaxConfigOffset}
	}
	return out
}

// Joined is the outcome of a join: the member's place in the generation
// and the assignment the leader gave it.
type Joined struct {
	Generation int32
	MemberID   string
	LeaderID   string
	Protocol   connectproto.Version
	Assignment connectproto.Assignment
}

// IsLeader reports whether the member leads this generation.
func (j Joined) IsLeader() bool { return j.MemberID == j.LeaderID }

// ErrRejoin is returned by Heartbeat when the member must join again: the
// group is rebalancing, or the coordinator no longer knows the member or
// its generation.
var ErrRejoin = errors.New("workergroup: the group is rebalancing; join again")

// Member is one worker's membership. Its methods are safe for concurrent
// use; joins run one at a time.
type Member struct {
	cl  *kgo.Client
	cfg Config

	joinMu sync.Mutex

	mu         sync.Mutex
	memberID   string
	generation int32
	protocol   string
}

// New returns a Member of cfg.Group that talks through client, which it
// does not own.
func New(client *kgo.Client, cfg Config) (*Member, error) {
	switch {
	case client == nil:
		return nil, errors.New("workergroup: nil client")
	case cfg.Group == "":
		return nil, errors.New("workergroup: group.id is empty")
	case cfg.State == nil || cfg.Assign == nil:
		return nil, errors.New("workergroup: Config.State and Config.Assign are required")
	case cfg.Highest.Name() == "":
		return nil, fmt.Errorf("workergroup: unknown protocol version %d", cfg.Highest)
	}
	if cfg.SessionTimeout <= 0 {
		cfg.SessionTimeout = 10 * time.Second
	}
	if cfg.RebalanceTimeout <= 0 {
		cfg.RebalanceTimeout = 60 * time.Second
	}
	return &Member{cl: client, cfg: cfg, generation: -1}, nil
}

// MemberID returns the member id the coordinator gave, "" before the
// first join.
func (m *Member) MemberID() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.memberID
}

func (m *Member) current() (id string, gen int32, protocol string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.memberID, m.generation, m.protocol
}

func (m *Member) set(id string, gen int32, protocol string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.memberID, m.generation, m.protocol = id, gen, protocol
}

// Join joins the group and returns the assignment of the generation it
// got into: JoinGroup (again with the id the coordinator asks for, or
// afresh when it has forgotten the member), then, on the leader, the
// assignor, then SyncGroup; a rebalance that starts in between makes it
// join again. It fails when ctx ends, when the group's members share no
// protocol with this one, when the assignor fails, and on errors Kafka
// does not retry, such as a missing permission on the group.
func (m *Member) Join(ctx context.Context) (Joined, error) {
	m.joinMu.Lock()
	defer m.joinMu.Unlock()
	var wait time.Duration
	for {
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return Joined{}, ctx.Err()
			case <-t.C:
			}
		}
		wait = 100 * time.Millisecond
		j, retry, err := m.joinOnce(ctx)
		if err == nil {
			return j, nil
		}
		if !retry || ctx.Err() != nil {
			return Joined{}, err
		}
	}
}

// joinOnce runs one JoinGroup and SyncGroup; retry says the error is worth
// another join.
func (m *Member) joinOnce(ctx context.Context) (Joined, bool, error) {
	names, metas, err := connectproto.Metadata(m.cfg.Highest, m.cfg.State())
	if err != nil {
		return Joined{}, false, fmt.Errorf("workergroup: encoding the member metadata: %w", err)
	}
	id, _, _ := m.current()
	req := kmsg.NewPtrJoinGroupRequest()
	req.Group = m.cfg.Group
	req.SessionTimeoutMillis = int32(m.cfg.SessionTimeout / time.Millisecond)
	req.RebalanceTimeoutMillis = int32(m.cfg.RebalanceTimeout / time.Millisecond)
	req.MemberID = id
	req.ProtocolType = connectproto.ProtocolType
	for i, name := range names {
		p := kmsg.NewJoinGroupRequestProtocol()
		p.Name, p.Metadata = name, metas[i]
		req.Protocols = append(req.Protocols, p)
	}
	resp, err := req.RequestWith(ctx, m.cl)
	if err != nil {
		return Joined{}, ctx.Err() == nil, fmt.Errorf("workergroup: joining group %q: %w", m.cfg.Group, err)
	}
	switch err := kerr.ErrorForCode(resp.ErrorCode); {
	case err == nil:
	case errors.Is(err, kerr.MemberIDRequired):
		m.set(resp.MemberID, -1, "")
		return Joined{}, true, err
	case errors.Is(err, kerr.UnknownMemberID), errors.Is(err, kerr.IllegalGeneration):
		m.set("", -1, "")
		return Joined{}, true, err
	case errors.Is(err, kerr.InconsistentGroupProtocol):
		return Joined{}, false, fmt.Errorf("workergroup: joining group %q: its members share no protocol with this worker's %s, or it is not a Connect group: %w",
			m.cfg.Group, strings.Join(names, ", "), err)
	case kerr.IsRetriable(err), errors.Is(err, kerr.RebalanceInProgress):
		return Joined{}, true, err
	default:
		return Joined{}, false, fmt.Errorf("workergroup: joining group %q: %w", m.cfg.Group, err)
	}
	protocol := ""
	if resp.Protocol != nil {
		protocol = *resp.Protocol
	}
	version, ok := connectproto.ByName(protocol)
	if !ok {
		return Joined{}, false, fmt.Errorf("workergroup: group %q chose protocol %q, which is not a Connect protocol", m.cfg.Group, protocol)
	}
	m.set(resp.MemberID, resp.Generation, protocol)

	var assignments []kmsg.SyncGroupRequestGroupAssignment
	if resp.LeaderID == resp.MemberID {
		assignments, err = m.lead(ctx, resp, version)
		if err != nil {
			return Joined{}, false, err
		}
	}
	sync := kmsg.NewPtrSyncGroupRequest()
	sync.Group = m.cfg.Group
	sync.Generation = resp.Generation
	sync.MemberID = resp.MemberID
	sync.ProtocolType = kmsg.StringPtr(connectproto.ProtocolType)
	sync.Protocol = kmsg.StringPtr(protocol)
	sync.GroupAssignment = assignments
	sresp, err := sync.RequestWith(ctx, m.cl)
	if err != nil {
		return Joined{}, ctx.Err() == nil, fmt.Errorf("workergroup: syncing group %q: %w", m.cfg.Group, err)
	}
	switch err := kerr.ErrorForCode(sresp.ErrorCode); {
	case err == nil:
	case errors.Is(err, kerr.UnknownMemberID):
		m.set("", -1, "")
		return Joined{}, true, err
	case kerr.IsRetriable(err), errors.Is(err, kerr.RebalanceInProgress), errors.Is(err, kerr.IllegalGeneration):
		return Joined{}, true, err
	default:
		return Joined{}, false, fmt.Errorf("workergroup: syncing group %q: %w", m.cfg.Group, err)
	}
	a, err := connectproto.DecodeAssignment(sresp.MemberAssignment)
	if err != nil {
		return Joined{}, false, fmt.Errorf("workergroup: group %q: the leader's assignment: %w", m.cfg.Group, err)
	}
	return Joined{Generation: resp.Generation, MemberID: resp.MemberID, LeaderID: resp.LeaderID, Protocol: version, Assignment: a}, false, nil
}

// lead decodes the members' metadata, runs the assignor and encodes what
// it assigns.
func (m *Member) lead(ctx context.Context, resp *kmsg.JoinGroupResponse, version connectproto.Version) ([]kmsg.SyncGroupRequestGroupAssignment, error) {
	g := Group{Generation: resp.Generation, LeaderID: resp.LeaderID, Protocol: version, MaxConfigOffset: -1}
	for _, jm := range resp.Members {
		st, _, err := connectproto.DecodeMetadata(jm.ProtocolMetadata)
		if err != nil {
			return nil, fmt.Errorf("workergroup: group %q: member %q's metadata: %w", m.cfg.Group, jm.MemberID, err)
		}
		g.Members = append(g.Members, GroupMember{ID: jm.MemberID, WorkerState: st})
		g.MaxConfigOffset = max(g.MaxConfigOffset, st.ConfigOffset)
	}
	slices.SortFunc(g.Members, func(a, b GroupMember) int { return strings.Compare(a.ID, b.ID) })
	assigned, err := m.cfg.Assign(ctx, g)
	if err != nil {
		return nil, fmt.Errorf("workergroup: group %q: assigning generation %d: %w", m.cfg.Group, g.Generation, err)
	}
	out := make([]kmsg.SyncGroupRequestGroupAssignment, 0, len(g.Members))
	for _, gm := range g.Members {
		a := assigned[gm.ID]
		if a == nil {
			return nil, fmt.Errorf("workergroup: group %q: the assignor gave member %q nothing, not even an empty assignment", m.cfg.Group, gm.ID)
		}
		b, err := connectproto.AppendAssignment(nil, version, a)
		if err != nil {
			return nil, fmt.Errorf("workergroup: group %q: member %q's assignment: %w", m.cfg.Group, gm.ID, err)
		}
		sa := kmsg.NewSyncGroupRequestGroupAssignment()
		sa.MemberID, sa.MemberAssignment = gm.ID, b
		out = append(out, sa)
	}
	return out, nil
}

// Heartbeat tells the coordinator the member is alive in its generation.
// It returns ErrRejoin when the member must join again, and other errors
// (ctx's, the coordinator not answering) as they come.
func (m *Member) Heartbeat(ctx context.Context) error {
	id, gen, _ := m.current()
	if id == "" || gen < 0 {
		return ErrRejoin
	}
	req := kmsg.NewPtrHeartbeatRequest()
	req.Group, req.Generation, req.MemberID = m.cfg.Group, gen, id
	resp, err := req.RequestWith(ctx, m.cl)
	if err != nil {
		return fmt.Errorf("workergroup: heartbeat to group %q: %w", m.cfg.Group, err)
	}
	switch err := kerr.ErrorForCode(resp.ErrorCode); {
	case err == nil:
		return nil
	case errors.Is(err, kerr.RebalanceInProgress):
		return ErrRejoin
	case errors.Is(err, kerr.UnknownMemberID), errors.Is(err, kerr.IllegalGeneration), errors.Is(err, kerr.FencedInstanceID):
		m.mu.Lock()
		if errors.Is(err, kerr.UnknownMemberID) {
			m.memberID = ""
		}
		m.generation = -1
		m.mu.Unlock()
		return ErrRejoin
	default:
		return fmt.Errorf("workergroup: heartbeat to group %q: %w", m.cfg.Group, err)
	}
}

// Leave leaves the group, so that it rebalances at once rather than after
// the session timeout. The member can join again afterwards, as a new
// member.
func (m *Member) Leave(ctx context.Context) error {
	id, _, _ := m.current()
	if id == "" {
		return nil
	}
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Group, req.MemberID = m.cfg.Group, id
	lm := kmsg.NewLeaveGroupRequestMember()
	lm.MemberID = id
	req.Members = append(req.Members, lm)
	resp, err := req.RequestWith(ctx, m.cl)
	m.set("", -1, "")
	if err != nil {
		return fmt.Errorf("workergroup: leaving group %q: %w", m.cfg.Group, err)
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil && !errors.Is(err, kerr.UnknownMemberID) {
		return fmt.Errorf("workergroup: leaving group %q: %w", m.cfg.Group, err)
	}
	for _, r := range resp.Members {
		if err := kerr.ErrorForCode(r.ErrorCode); err != nil && !errors.Is(err, kerr.UnknownMemberID) {
			return fmt.Errorf("workergroup: leaving group %q: %w", m.cfg.Group, err)
		}
	}
	return nil
}

// Members returns the group's current members as the coordinator
// describes them (DescribeGroup): their ids and metadata under the
// group's protocol, sorted by id. Any member may ask, not only the
// leader. It is empty while the group has no members or is between
// generations (its state not Stable), and fails when the coordinator
// cannot be reached or refuses.
func (m *Member) Members(ctx context.Context) ([]GroupMember, error) {
	req := kmsg.NewPtrDescribeGroupsRequest()
	req.Groups = []string{m.cfg.Group}
	resp, err := req.RequestWith(ctx, m.cl)
	if err != nil {
		return nil, fmt.Errorf("workergroup: describing group %q: %w", m.cfg.Group, err)
	}
	if len(resp.Groups) != 1 {
		return nil, fmt.Errorf("workergroup: describing group %q: %d groups in the answer", m.cfg.Group, len(resp.Groups))
	}
	g := resp.Groups[0]
	if err := kerr.ErrorForCode(g.ErrorCode); err != nil {
		return nil, fmt.Errorf("workergroup: describing group %q: %w", m.cfg.Group, err)
	}
	if g.State != "Stable" {
		return nil, nil
	}
	out := make([]GroupMember, 0, len(g.Members))
	for _, gm := range g.Members {
		st, _, err := connectproto.DecodeMetadata(gm.ProtocolMetadata)
		if err != nil {
			return nil, fmt.Errorf("workergroup: group %q: member %q's metadata: %w", m.cfg.Group, gm.MemberID, err)
		}
		out = append(out, GroupMember{ID: gm.MemberID, WorkerState: st})
	}
	slices.SortFunc(out, func(a, b GroupMember) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}
