package worker

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
	"github.com/kconnect-go/kconnect/transform"
	"github.com/twmb/franz-go/pkg/kgo"
)

// taskPlugins are the converters and transform chain one task converts and
// transforms its records with. As in Kafka Connect, every task has its own,
// built with the task; whoever builds them closes them once (close) when
// nothing can use them any more: startTask when the task's goroutine
// returns, so that a task abandoned for ignoring its context, whose stuck
// Poll or Put may still be converting, does not have its plugins closed
// under it (they stay open until it returns, which beats closing what is
// in use), and checkAcrossKeys right after checking a configuration with
// them.
type taskPlugins struct {
	chain   *transform.Chain
	keys    recordConverter
	values  recordConverter
	headers converter.HeaderConverter

	closeOnce sync.Once
	closeErr  error
}

// recordConverter is a key or value converter, with the optional header
// capabilities it has, found once so that a converter without them costs
// a record only a nil check.
type recordConverter struct {
	conv converter.Converter
	from converter.HeadersFromConnect // nil: it writes no Kafka headers
	to   converter.HeadersToConnect   // nil: it reads no Kafka headers
}

func newRecordConverter(c converter.Converter) recordConverter {
	rc := recordConverter{conv: c}
	rc.from, _ = c.(converter.HeadersFromConnect)
	rc.to, _ = c.(converter.HeadersToConnect)
	return rc
}

// fromConnect serializes a key or value into dst: given the Kafka record's
// headers kh, which it may add to, if the converter writes Kafka headers,
// else the record's Connect headers ch.
func (c *recordConverter) fromConnect(dst []byte, topic string, ch connect.Headers, kh *[]kgo.RecordHeader, schema *connect.Schema, value any) ([]byte, error) {
	if c.from != nil {
		return c.from.FromConnectWithHeaders(dst, topic, kh, schema, value)
	}
	return c.conv.FromConnect(dst, topic, ch, schema, value)
}

// toConnect deserializes a consumed key or value: given the consumed
// record's headers kh if the converter reads Kafka headers, else the
// record's Connect headers ch.
func (c *recordConverter) toConnect(topic string, ch connect.Headers, kh []kgo.RecordHeader, data []byte) (*connect.Schema, any, error) {
	if c.to != nil {
		return c.to.ToConnectWithHeaders(topic, kh, data)
	}
	return c.conv.ToConnect(topic, ch, data)
}

// newTaskPlugins builds the converters and transform chain of a connector
// configuration. When one cannot be built, those already built are closed.
func (w *engine) newTaskPlugins(cfg *connect.Config, raw map[string]string) (*taskPlugins, error) {
	keys, values, headers, err := w.converters(cfg)
	if err != nil {
		return nil, err
	}
	chain, err := transform.ParseChain(raw, w.plugins...)
	if err != nil {
		return nil, errors.Join(err, closeConverters(keys, values, headers))
	}
	return &taskPlugins{chain: chain, keys: newRecordConverter(keys), values: newRecordConverter(values), headers: headers}, nil
}

// close closes the chain (its transformations and predicates) and the
// converters that implement io.Closer, each once however often close is
// called, and returns their errors, each naming what failed. A panic in a
// Close is an error too. A nil *taskPlugins has nothing to close.
func (p *taskPlugins) close() error {
	if p == nil {
		return nil
	}
	p.closeOnce.Do(func() {
		chainErr := safeCall(p.chain.Close)
		p.closeErr = errors.Join(chainErr, closeConverters(p.keys.conv, p.values.conv, p.headers))
	})
	return p.closeErr
}

// closeConverters closes the key, value and header converters given (any
// may be nil) that implement io.Closer, and returns their errors, each
// naming the converter's config key.
func closeConverters(key, value converter.Converter, header converter.HeaderConverter) error {
	return errors.Join(
		closeConverter(KeyConverterConfig, key),
		closeConverter(ValueConverterConfig, value),
		closeConverter(HeaderConverterConfig, header))
}

func closeConverter(configKey string, conv any) error {
	cl, ok := conv.(io.Closer)
	if !ok {
		return nil
	}
	if err := safeCall(cl.Close); err != nil {
		return fmt.Errorf("%s: closing: %w", configKey, err)
	}
	return nil
}
