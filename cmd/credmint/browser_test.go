package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"credmint/app/staff"
)

// chromium finds Debian's chromium. Without it browser tests skip, except
// in CI, where they must run.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed, and CI requires the browser tests to run (apt-get install chromium)")
	}
	t.Skip("chromium is not installed")
	return ""
}

// newChrome starts a headless chromium for the test and returns a context
// that drives one tab.
func newChrome(t *testing.T) context.Context {
	t.Helper()
	path := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	// The first action starts the browser; it must not run under a timeout
	// (the timeout would stop the browser). Later actions get one.
	if err := chromedp.Do(ctx); err != nil {
		cancelCtx()
		cancelAlloc()
		t.Fatalf("starting chromium: %v", err)
	}
	tctx, cancelTimeout := context.WithTimeout(ctx, 8*time.Minute) // the walkthrough under -race on 2 busy cores
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return tctx
}

// screenshot saves the page as docs/screenshots/name.png when
// CREDMINT_SCREENSHOTS is set (`CREDMINT_SCREENSHOTS=1 go test -run TestBrowser ./cmd/credmint`).
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if os.Getenv("CREDMINT_SCREENSHOTS") == "" {
		return
	}
	// At the top, so that sticky parts of the page sit where a reader
	// expects them.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`)); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 gives PNG
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// signIn fills the console's sign-in form as a person would.
func signIn(t *testing.T, ctx context.Context, h *harness, role string) {
	t.Helper()
	email := "browser-" + role + "@example.org"
	if _, err := h.app.staff.CreateUser(context.Background(), staff.NewUser{Email: email, Name: "Grace Hopper", Role: role, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(h.url+"/console/"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=email]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), email),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), testPassword),
	)
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "sign-in")
	if err := chromedp.Do(ctx, chromedp.Submit(chromedp.CSS(`input[name=password]`)), chromedp.WaitVisible(chromedp.CSS(`form.logout`))); err != nil {
		t.Fatalf("sign in: %v", err)
	}
}

func TestBrowserSignInAndOut(t *testing.T) {
	ctx := newChrome(t)
	h := newHarness(t)
	signIn(t, ctx, h, staff.RoleAdmin)
	heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main h1`)))
	if err != nil {
		t.Fatal(err)
	}
	if heading != "Dashboard" {
		t.Fatalf("after sign-in: heading %q, want Dashboard", heading)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form.logout button`)), chromedp.WaitVisible(chromedp.CSS(`input[name=email]`))); err != nil {
		t.Fatalf("sign out: %v", err)
	}
	url, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if url != h.url+"/console/login" {
		t.Fatalf("after sign-out: at %s", url)
	}
}
