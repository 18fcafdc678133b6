package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.yaml.in/yaml/v3"

	"credmint/app/credential"
	"credmint/app/keys"
	"credmint/config"
)

// cmdBench runs complete pre-authorized flows (admin API offer → offer URI →
// metadata → token with tx_code → nonce → credential → notification) against
// a credmint server started as a child process, so that the server's CPU
// time and memory are measured apart from the load generator's.
func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("credmint bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	flows := fs.Int("flows", 10000, "number of complete flows")
	conc := fs.Int("concurrency", 8, "flows in parallel")
	dbURL := fs.String("database-url", "", "database for the server (default: a fresh SQLite file in a temp dir)")
	keep := fs.Bool("keep", false, "keep the temp directory")
	profile := fs.String("server-cpuprofile", "", "write the server's CPU profile to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *flows < 1 || *conc < 1 {
		return errors.New("bench: --flows and --concurrency must be positive")
	}
	dir, err := os.MkdirTemp("", "credmint-bench-")
	if err != nil {
		return err
	}
	if !*keep {
		defer os.RemoveAll(dir)
	}
	srv, err := startBenchServer(ctx, dir, *dbURL, *profile, stderr)
	if err != nil {
		return err
	}
	defer srv.stop()

	fmt.Fprintf(stdout, "credmint bench: %d flows, concurrency %d, database %s\n", *flows, *conc, redactDB(srv.dbURL))
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *conc * 2, MaxIdleConns: *conc * 2}}
	cpuBefore, err := processCPU(srv.cmd.Process.Pid)
	if err != nil {
		return err
	}
	res, err := runFlows(ctx, client, srv.url, srv.apiKey, *flows, *conc)
	if err != nil {
		return err
	}
	cpuAfter, err := processCPU(srv.cmd.Process.Pid)
	if err != nil {
		return err
	}
	rss, _ := processRSS(srv.cmd.Process.Pid)
	report(stdout, res, cpuAfter-cpuBefore, rss)
	return nil
}

type benchServer struct {
	cmd    *exec.Cmd
	url    string
	dbURL  string
	apiKey string
}

// startBenchServer writes a configuration, creates an API key and starts
// `credmint serve` from this same binary.
func startBenchServer(ctx context.Context, dir, dbURL, profile string, stderr io.Writer) (*benchServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	if dbURL == "" {
		dbURL = "sqlite:" + filepath.Join(dir, "credmint.db")
	}
	master, err := keys.GenerateMasterKey()
	if err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(dir, "credmint.yaml")
	cfgYAML, err := yaml.Marshal(map[string]any{
		"listen": addr, "public_url": "http://" + addr, "database_url": dbURL, "data_dir": dir,
		"master_key": master, "log_level": "warn",
		"credential_configurations": []credential.Configuration{config.ExampleConfiguration("")},
	})
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(cfgPath, cfgYAML, 0o600); err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	// The child sees none of this process's CREDMINT_* settings: they would
	// override the generated configuration (and could point the benchmark
	// at a real database).
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CREDMINT_") {
			env = append(env, kv)
		}
	}
	env = append(env, "CREDMINT_CONFIG="+cfgPath)
	keyCmd := exec.CommandContext(ctx, self, "apikeys", "create", "--name", "bench")
	keyCmd.Env, keyCmd.Stderr = env, stderr
	out, err := keyCmd.Output()
	if err != nil {
		return nil, fmt.Errorf("bench: creating an API key: %w", err)
	}
	serveArgs := []string{"serve"}
	if profile != "" {
		serveArgs = append(serveArgs, "--cpuprofile", profile)
	}
	cmd := exec.Command(self, serveArgs...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, io.Discard, stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &benchServer{cmd: cmd, url: "http://" + addr, dbURL: dbURL, apiKey: strings.TrimSpace(string(out))}
	for i := 0; i < 100; i++ {
		if res, err := http.Get(s.url + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.stop()
	return nil, errors.New("bench: the server did not become ready in 10s")
}

func (s *benchServer) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
	}
}

type benchResult struct {
	flows     int
	failures  int64
	firstErr  string
	wall      time.Duration
	latencies []time.Duration
}

func runFlows(ctx context.Context, client *http.Client, base, apiKey string, n, conc int) (*benchResult, error) {
	var next atomic.Int64
	res := &benchResult{flows: n, latencies: make([]time.Duration, n)}
	var errOnce sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		bw, err := newBenchWallet(client, base, apiKey)
		if err != nil {
			return nil, err
		}
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				if err := bw.flow(); err != nil {
					atomic.AddInt64(&res.failures, 1)
					errOnce.Do(func() { res.firstErr = err.Error() })
				}
				res.latencies[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	res.wall = time.Since(start)
	return res, ctx.Err()
}

func report(w io.Writer, r *benchResult, cpu time.Duration, rss int64) {
	lat := slices.Clone(r.latencies)
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "flows:             %d (%d failed)\n", r.flows, r.failures)
	fmt.Fprintf(&buf, "wall time:         %s\n", r.wall.Round(time.Millisecond))
	fmt.Fprintf(&buf, "throughput:        %.0f flows/s\n", float64(r.flows)/r.wall.Seconds())
	fmt.Fprintf(&buf, "flow latency:      p50 %s  p90 %s  p99 %s  max %s\n", pct(.50).Round(time.Microsecond), pct(.90).Round(time.Microsecond), pct(.99).Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond))
	fmt.Fprintf(&buf, "server CPU:        %s total, %.3f ms per flow\n", cpu.Round(time.Millisecond), float64(cpu.Microseconds())/1000/float64(r.flows))
	if rss > 0 {
		fmt.Fprintf(&buf, "server RSS:        %.1f MB after the run\n", float64(rss)/(1<<20))
	}
	if r.firstErr != "" {
		fmt.Fprintf(&buf, "first failure:     %s\n", r.firstErr)
	}
	_, _ = w.Write(buf.Bytes())
}
