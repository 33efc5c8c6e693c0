package distributed

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kconnect-go/kconnect/internal/configtopic"
	"github.com/kconnect-go/kconnect/internal/connectproto"
	"github.com/kconnect-go/kconnect/runtime/herder"
)

// The headers of a signed internal request, as Kafka Connect's
// InternalRequestSignature names them: the request body's MAC under the
// session key, in standard base64, and the MAC's algorithm.
const (
	SignatureHeader          = "X-Connect-Authorization"
	SignatureAlgorithmHeader = "X-Connect-Request-Signature-Algorithm"
)

// Kafka Connect's defaults for the inter.worker.* keys.
const (
	DefaultKeyAlgorithm       = "HmacSHA256"
	DefaultSignatureAlgorithm = "HmacSHA256"
	DefaultKeyTTL             = time.Hour
)

// macs are the javax.crypto Mac algorithms a JDK provides, by the
// upper-cased name Java looks them up by, with the key size in bytes its
// KeyGenerator makes by default.
var macs = map[string]struct {
	hash    func() hash.Hash
	keySize int
}{
	"HMACMD5":    {md5.New, 64},
	"HMACSHA1":   {sha1.New, 64},
	"HMACSHA224": {sha256.New224, 28},
	"HMACSHA256": {sha256.New, 32},
	"HMACSHA384": {sha512.New384, 48},
	"HMACSHA512": {sha512.New, 64},
}

func macFor(algorithm string) (func() hash.Hash, bool) {
	m, ok := macs[strings.ToUpper(algorithm)]
	return m.hash, ok
}

// sign is the MAC of body under key with algorithm.
func sign(algorithm string, key, body []byte) ([]byte, error) {
	h, ok := macFor(algorithm)
	if !ok {
		return nil, fmt.Errorf("distributed: %q is not a MAC algorithm this worker knows", algorithm)
	}
	m := hmac.New(h, key)
	m.Write(body)
	return m.Sum(nil), nil
}

// SignatureError is why an internal request's signature was refused, with
// the HTTP status Kafka Connect answers it with: 400 for a missing
// signature or an algorithm this worker does not verify, 403 for a wrong
// signature, 503 while the worker has read no session key yet.
type SignatureError struct {
	Status  int
	Message string
}

func (e *SignatureError) Error() string { return "distributed: " + e.Message }

// sessioned reports whether the group uses the sessioned protocol, under
// which internal requests are signed.
func (h *Herder) sessioned() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.protocol >= connectproto.V2
}

func (h *Herder) sessionKey() *configtopic.SessionKey {
	return h.cfgs.Snapshot().SessionKey
}

// SignRequest adds the signature headers to an internal request with
// body, as Kafka Connect's workers sign theirs under the sessioned
// protocol; under the others, or before the worker has read a session
// key, it adds nothing. It fails when the signature algorithm is unknown.
func (h *Herder) SignRequest(body []byte, header http.Header) error {
	k := h.sessionKey()
	if !h.sessioned() || k == nil {
		return nil
	}
	sig, err := sign(h.cfg.InterWorkerSignatureAlgorithm, k.Key, body)
	if err != nil {
		return err
	}
	header.Set(SignatureHeader, base64.StdEncoding.EncodeToString(sig))
	header.Set(SignatureAlgorithmHeader, h.cfg.InterWorkerSignatureAlgorithm)
	return nil
}

// VerifyRequest checks the signature of an internal request with body, as
// Kafka Connect's herder does under the sessioned protocol; under the
// others every request passes. A refusal is a *SignatureError.
func (h *Herder) VerifyRequest(body []byte, header http.Header) error {
	if !h.sessioned() {
		return nil
	}
	alg, encoded := header.Get(SignatureAlgorithmHeader), header.Get(SignatureHeader)
	if alg == "" || encoded == "" {
		return &SignatureError{Status: http.StatusBadRequest, Message: "Internal request missing required signature"}
	}
	if _, ok := macFor(alg); !ok {
		return &SignatureError{Status: http.StatusBadRequest, Message: fmt.Sprintf("Algorithm %s not available", alg)}
	}
	sig, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return &SignatureError{Status: http.StatusBadRequest, Message: "Internal request signature is not base64: " + err.Error()}
	}
	if !slices.ContainsFunc(h.cfg.InterWorkerVerificationAlgorithms, func(a string) bool { return strings.EqualFold(a, alg) }) {
		return &SignatureError{Status: http.StatusBadRequest, Message: fmt.Sprintf(
			"This worker does not support the '%s' key signing algorithm used by other workers. This worker is currently configured to use: %v. "+
				"Check that all workers' configuration files permit the same set of signature algorithms, and correct any misconfigured worker and restart it.",
			alg, h.cfg.InterWorkerVerificationAlgorithms)}
	}
	k := h.sessionKey()
	if k == nil {
		return &SignatureError{Status: http.StatusServiceUnavailable,
			Message: "This worker is still starting up and has not been able to read a session key from the config topic yet"}
	}
	want, err := sign(alg, k.Key, body)
	if err != nil || !hmac.Equal(want, sig) {
		return &SignatureError{Status: http.StatusForbidden, Message: "Internal request contained invalid signature."}
	}
	return nil
}

// ensureSessionKey is the leader's part under the sessioned protocol: a
// new session key is written when there is none, when it has expired
// (inter.worker.key.ttl.ms after its creation) or when it is not of
// inter.worker.key.generation.algorithm and its size, as Kafka Connect's
// leader distributes one. It returns when the current key expires.
func (h *Herder) ensureSessionKey(ctx context.Context) (time.Time, error) {
	now := time.Now()
	k := h.sessionKey()
	size := h.keySize()
	if k != nil && strings.EqualFold(k.Algorithm, h.cfg.InterWorkerKeyGenerationAlgorithm) && len(k.Key) == size {
		expires := time.UnixMilli(k.Created).Add(h.cfg.InterWorkerKeyTTL)
		if now.Before(expires) {
			return expires, nil
		}
	}
	key := make([]byte, size)
	if _, err := rand.Read(key); err != nil {
		return time.Time{}, err
	}
	nk := configtopic.SessionKey{Key: key, Algorithm: h.cfg.InterWorkerKeyGenerationAlgorithm, Created: now.UnixMilli()}
	if err := h.cfgs.PutSessionKey(ctx, nk); err != nil {
		return time.Time{}, h.privileged(fmt.Errorf("distributed: writing a new session key to %s: %w", h.cfg.ConfigTopic, err))
	}
	h.log.Info("distributed a new session key", "algorithm", nk.Algorithm)
	return now.Add(h.cfg.InterWorkerKeyTTL), nil
}

func (h *Herder) keySize() int {
	if h.cfg.InterWorkerKeySize > 0 {
		return h.cfg.InterWorkerKeySize / 8
	}
	return macs[strings.ToUpper(h.cfg.InterWorkerKeyGenerationAlgorithm)].keySize
}

// checkSessionConfig fills in the inter.worker.* defaults and checks the
// algorithms, as Kafka's DistributedConfig does.
func checkSessionConfig(cfg *Config) error {
	if cfg.InterWorkerKeyGenerationAlgorithm == "" {
		cfg.InterWorkerKeyGenerationAlgorithm = DefaultKeyAlgorithm
	}
	if cfg.InterWorkerSignatureAlgorithm == "" {
		cfg.InterWorkerSignatureAlgorithm = DefaultSignatureAlgorithm
	}
	if len(cfg.InterWorkerVerificationAlgorithms) == 0 {
		cfg.InterWorkerVerificationAlgorithms = []string{DefaultSignatureAlgorithm}
	}
	if cfg.InterWorkerKeyTTL <= 0 {
		cfg.InterWorkerKeyTTL = DefaultKeyTTL
	}
	var errs []error
	for key, alg := range map[string]string{"inter.worker.key.generation.algorithm": cfg.InterWorkerKeyGenerationAlgorithm,
		"inter.worker.signature.algorithm": cfg.InterWorkerSignatureAlgorithm} {
		if _, ok := macFor(alg); !ok {
			errs = append(errs, fmt.Errorf("distributed: %s: %q is not a MAC algorithm this worker knows", key, alg))
		}
	}
	for _, alg := range cfg.InterWorkerVerificationAlgorithms {
		if _, ok := macFor(alg); !ok {
			errs = append(errs, fmt.Errorf("distributed: inter.worker.verification.algorithms: %q is not a MAC algorithm this worker knows", alg))
		}
	}
	if !slices.ContainsFunc(cfg.InterWorkerVerificationAlgorithms, func(a string) bool { return strings.EqualFold(a, cfg.InterWorkerSignatureAlgorithm) }) {
		errs = append(errs, fmt.Errorf("distributed: inter.worker.verification.algorithms: must include inter.worker.signature.algorithm %s", cfg.InterWorkerSignatureAlgorithm))
	}
	if cfg.InterWorkerKeySize < 0 || cfg.InterWorkerKeySize%8 != 0 {
		errs = append(errs, fmt.Errorf("distributed: inter.worker.key.size: %d is not a positive number of bytes in bits", cfg.InterWorkerKeySize))
	}
	return errors.Join(errs...)
}

// TaskConfigsHandler serves Kafka Connect's internal POST
// /connectors/{name}/tasks, by which a follower hands the leader the task
// configurations its connectors generate: a JSON array of them, signed
// under the sessioned protocol (VerifyRequest; a refusal is answered with
// its status), 204 once written, 409 when this worker does not lead.
func (h *Herder) TaskConfigsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		body, ok := h.readSigned(w, r, 64<<20, func(err error) string { return fmt.Sprintf("task configurations of connector %s: %v", name, err) })
		if !ok {
			return
		}
		var configs []map[string]string
		if err := json.Unmarshal(body, &configs); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("task configurations of connector %s: %v", name, err))
			return
		}
		err := h.PutTaskConfigs(r.Context(), name, configs)
		var nl *NotLeaderError
		switch {
		case err == nil:
			w.WriteHeader(http.StatusNoContent)
		case errors.As(err, &nl):
			writeError(w, http.StatusConflict, err.Error())
		case errors.Is(err, herder.ErrNotFound):
			writeError(w, http.StatusNotFound, err.Error())
		default:
			writeError(w, http.StatusInternalServerError, err.Error())
		}
	})
}

func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error_code": code, "message": msg})
}

// forwardOverHTTP hands task configurations to the leader's
// TaskConfigsHandler, signed under the sessioned protocol; a 409 (the
// leader is no longer one) is a NotLeaderError, for the worker to try
// again after the rebalance.
func (h *Herder) forwardOverHTTP(ctx context.Context, leaderURL, connector string, configs []map[string]string) error {
	body, err := json.Marshal(configs)
	if err != nil {
		return err
	}
	u := strings.TrimSuffix(leaderURL, "/") + "/connectors/" + url.PathEscape(connector) + "/tasks?forward=false"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if err := h.SignRequest(body, req.Header); err != nil {
		return err
	}
	resp, err := h.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("forwarding task configurations of connector %s to the leader %s: %w", connector, leaderURL, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	switch {
	case resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusConflict:
		return &NotLeaderError{}
	case resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusServiceUnavailable:
		// A session key the leader has rotated, or not read yet: worth
		// another try, as a rebalance is.
		return fmt.Errorf("forwarding task configurations of connector %s to the leader %s: %s: %s: %w",
			connector, leaderURL, resp.Status, bytes.TrimSpace(msg), herder.ErrRebalancing)
	}
	return fmt.Errorf("forwarding task configurations of connector %s to the leader %s: %s: %s", connector, leaderURL, resp.Status, bytes.TrimSpace(msg))
}

// readSigned reads an internal request's body of at most limit bytes and
// checks its signature, answering 400 (with what's text) or the refusal's
// status itself; ok is false once it has answered.
func (h *Herder) readSigned(w http.ResponseWriter, r *http.Request, limit int64, what func(error) string) (body []byte, ok bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, limit))
	if err != nil {
		writeError(w, http.StatusBadRequest, what(err))
		return nil, false
	}
	var se *SignatureError
	if err := h.VerifyRequest(body, r.Header); errors.As(err, &se) {
		writeError(w, se.Status, se.Message)
		return nil, false
	}
	return body, true
}
