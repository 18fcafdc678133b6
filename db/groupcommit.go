package db

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"gorm.io/gorm"
)

// Group commit (SQLite). The SQLite writer has one connection, so write
// transactions run one after another and each pays its own COMMIT: WAL frame
// writes, file locks and the statements' parsing in the pure-Go driver. The
// committer lets concurrent write transactions share one COMMIT instead:
//
//   - transact hands its function to the committer goroutine and waits;
//   - the committer takes the first waiting function and every other one
//     already queued (no timer: nobody waits for a batch to fill), at most
//     maxBatch, and opens one transaction;
//   - the functions run one after the other, so each sees the writes of
//     those before it, exactly as if the transactions ran serially;
//   - when every function of the batch may run again (transactRerunnable:
//     the wallet flow's writes), they run without savepoints. If one fails
//     (or panics), the transaction is rolled back, that caller gets its
//     error, and the others run again as below. Savepoints cost two
//     statements per function, which ate most of what the shared COMMIT
//     saves (docs/performance.md); failures are rare on the hot path;
//   - otherwise each function runs inside a SAVEPOINT; one that fails (or
//     panics) is rolled back to its savepoint and leaves nothing, the others
//     are kept;
//   - after the COMMIT every caller gets its answer: success only once the
//     batch is durable (as durable as any SQLite commit here), and a failed
//     COMMIT fails every caller whose function had succeeded.
//
// A batch of one function runs without a savepoint, as a plain transaction.
// PostgreSQL has real concurrency and runs one transaction per call.

// maxBatch caps the functions of one group commit, so that a long queue
// cannot hold the write lock (and the readers' view of new data) for long.
const maxBatch = 64

// errStoreClosed is returned by a write after Close.
var errStoreClosed = errors.New("db: store closed")

// Request states: queued until the committer claims it (running) or its
// caller gives up (abandoned). Exactly one of the two transitions happens.
const (
	reqQueued int32 = iota
	reqRunning
	reqAbandoned
)

// txRequest is one call of transact waiting for the committer.
type txRequest struct {
	ctx context.Context
	fn  func(tx *gorm.DB) error
	// rerun says that fn may run more than once, each time from scratch.
	rerun bool
	state atomic.Int32
	// done receives the outcome once; buffered, so the committer never
	// blocks on a caller.
	done chan txResult
}

// txResult is the outcome of a txRequest: err, or the value fn panicked
// with (panicked true) and its stack.
type txResult struct {
	err      error
	panicked bool
	value    any
	stack    []byte
}

// committer runs the write transactions of a SQLite Store (see above).
type committer struct {
	w       *gorm.DB
	queue   chan *txRequest
	stop    chan struct{} // closed by close
	stopped chan struct{} // closed when the goroutine has returned
	once    sync.Once
}

func newCommitter(w *gorm.DB) *committer {
	c := &committer{
		w:       w,
		queue:   make(chan *txRequest, maxBatch),
		stop:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
	go c.run()
	return c
}

// close stops the committer after the batch it is running; requests still
// queued are answered with errStoreClosed by their callers.
func (c *committer) close() {
	c.once.Do(func() { close(c.stop) })
	<-c.stopped
}

// transact runs fn in a transaction and returns its error, or the error of
// the COMMIT. A panic in fn is rolled back and re-raised in the caller. When
// ctx ends while fn is still queued, fn does not run and the error is
// ctx.Err(); once fn runs, the caller waits for the outcome of its batch.
func (c *committer) transact(ctx context.Context, fn func(tx *gorm.DB) error, rerun bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &txRequest{ctx: ctx, fn: fn, rerun: rerun, done: make(chan txResult, 1)}
	select {
	case c.queue <- r:
	case <-ctx.Done():
		return ctx.Err()
	case <-c.stop:
		return errStoreClosed
	}
	var res txResult
	select {
	case res = <-r.done:
	case <-ctx.Done():
		if r.state.CompareAndSwap(reqQueued, reqAbandoned) {
			return ctx.Err()
		}
		res = <-r.done // running: its batch decides
	case <-c.stopped:
		if r.state.CompareAndSwap(reqQueued, reqAbandoned) {
			return errStoreClosed
		}
		res = <-r.done
	}
	if res.panicked {
		panic(fmt.Sprintf("%v [recovered in the database committer, rolled back]\n%s", res.value, res.stack))
	}
	return res.err
}

func (c *committer) run() {
	defer close(c.stopped)
	batch := make([]*txRequest, 0, maxBatch)
	for {
		select {
		case r := <-c.queue:
			batch = append(batch[:0], r)
		case <-c.stop:
			return
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case r := <-c.queue:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		// Claim the requests whose callers still wait.
		n := 0
		for _, r := range batch {
			if r.state.CompareAndSwap(reqQueued, reqRunning) {
				batch[n] = r
				n++
			}
		}
		clear(batch[n:])
		batch = batch[:n]
		switch len(batch) {
		case 0:
		case 1:
			c.runOne(batch[0])
		default:
			c.runBatch(batch)
		}
		clear(batch)
	}
}

// begin opens the transaction of a batch. It is not bound to any caller's
// context: one caller's cancellation must not roll back the others' work.
func (c *committer) begin() (*gorm.DB, error) {
	tx := c.w.WithContext(context.Background()).Begin()
	return tx, tx.Error
}

// runOne runs a batch of one request: a plain transaction whose statements
// use the caller's context, as gorm's Transaction would.
func (c *committer) runOne(r *txRequest) {
	tx, err := c.begin()
	if err != nil {
		r.done <- txResult{err: err}
		return
	}
	res := call(tx.WithContext(r.ctx), r.fn)
	if res.err != nil || res.panicked {
		tx.Rollback()
		r.done <- res
		return
	}
	r.done <- txResult{err: tx.Commit().Error}
}

// runBatch runs several requests in one transaction and commits them
// together: without savepoints when every one may run again (runOptimistic),
// else each under a savepoint (runSavepoints).
func (c *committer) runBatch(batch []*txRequest) {
	for _, r := range batch {
		if !r.rerun {
			c.runSavepoints(batch)
			return
		}
	}
	c.runOptimistic(batch)
}

// runOptimistic runs re-runnable requests in one transaction without
// savepoints. When one fails, the transaction is rolled back, that request
// is answered, and the others that still wait run again with runSavepoints.
func (c *committer) runOptimistic(batch []*txRequest) {
	tx, err := c.begin()
	if err != nil {
		answerAll(batch, err)
		return
	}
	ok := batch[:0:0] // requests whose fn succeeded, answered after COMMIT
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.done <- txResult{err: err}
			continue
		}
		// As in runSavepoints, the statements do not see the caller's
		// cancellation.
		res := call(tx.WithContext(context.WithoutCancel(r.ctx)), r.fn)
		if res.err != nil || res.panicked {
			tx.Rollback()
			r.done <- res
			rest := append(ok, batch[i+1:]...)
			if len(rest) == 1 {
				c.runOne(rest[0])
			} else if len(rest) > 1 {
				c.runSavepoints(rest)
			}
			return
		}
		ok = append(ok, r)
	}
	c.commit(tx, ok)
}

// answerAll answers every request of batch with err.
func answerAll(batch []*txRequest, err error) {
	for _, r := range batch {
		r.done <- txResult{err: err}
	}
}

// commit commits the transaction of a batch and answers the requests of
// ok, whose functions succeeded.
func (c *committer) commit(tx *gorm.DB, ok []*txRequest) {
	if len(ok) == 0 {
		tx.Rollback()
		return
	}
	err := tx.Commit().Error
	if err != nil {
		err = fmt.Errorf("db: group commit: %w", err)
	}
	answerAll(ok, err)
}

// runSavepoints runs several requests in one transaction, each under a
// savepoint, and commits them together.
func (c *committer) runSavepoints(batch []*txRequest) {
	tx, err := c.begin()
	if err != nil {
		answerAll(batch, err)
		return
	}
	ok := batch[:0:0] // requests whose fn succeeded, answered after COMMIT
	abort := func(err error, rest []*txRequest) {
		tx.Rollback()
		err = fmt.Errorf("db: group commit: %w", err)
		answerAll(ok, err)
		answerAll(rest, err)
	}
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.done <- txResult{err: err}
			continue
		}
		if err := tx.Exec("SAVEPOINT gc").Error; err != nil {
			abort(err, batch[i:])
			return
		}
		// The statements keep the caller's context values but not its
		// cancellation: interrupting a statement would make SQLite roll
		// back the whole transaction, the other callers' work included.
		res := call(tx.WithContext(context.WithoutCancel(r.ctx)), r.fn)
		if res.err != nil || res.panicked {
			if err := tx.Exec("ROLLBACK TO gc").Error; err != nil {
				abort(err, batch[i:])
				return
			}
			if err := tx.Exec("RELEASE gc").Error; err != nil {
				abort(err, batch[i:])
				return
			}
			r.done <- res
			continue
		}
		// RELEASE fails when SQLite rolled the whole transaction back
		// (an I/O error, a full disk): nothing of the batch is kept.
		if err := tx.Exec("RELEASE gc").Error; err != nil {
			abort(err, batch[i:])
			return
		}
		ok = append(ok, r)
	}
	c.commit(tx, ok)
}

// call runs fn with tx and turns a panic into a result.
func call(tx *gorm.DB, fn func(tx *gorm.DB) error) (res txResult) {
	defer func() {
		if v := recover(); v != nil {
			res = txResult{panicked: true, value: v, stack: debug.Stack()}
		}
	}()
	return txResult{err: fn(tx)}
}

// transact runs fn in a write transaction and returns fn's error or the
// COMMIT's. On SQLite it goes through the committer (group commit, above);
// on PostgreSQL it is one transaction of its own. fn must use only tx, and
// must not call another write method of the Store (on SQLite that would wait
// for the committer that is running fn).
func (s *Store) transact(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if s.gc != nil {
		return s.gc.transact(ctx, fn, false)
	}
	return s.w.WithContext(ctx).Transaction(fn)
}

// transactRerunnable is transact for an fn that may run more than once in
// the committer, its earlier runs rolled back: every run must start from
// scratch (reset what it captures, never consume its inputs). Such batches
// commit without savepoints.
func (s *Store) transactRerunnable(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if s.gc != nil {
		return s.gc.transact(ctx, fn, true)
	}
	return s.w.WithContext(ctx).Transaction(fn)
}

// writeOne runs fn, which makes a single write statement and may run more
// than once (see transactRerunnable), atomically: on SQLite through the
// committer, so that it shares a COMMIT with concurrent writes; on
// PostgreSQL without a transaction of its own.
func (s *Store) writeOne(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if s.gc != nil {
		return s.gc.transact(ctx, fn, true)
	}
	return fn(s.w.WithContext(ctx))
}
