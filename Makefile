# mycontainer: build, demo, tests.
#   sudo make run    build and open a demo shell in a busybox container
#   sudo make test   install test deps, build, run every check and test,
#                    on this host and on a cgroup v2 kernel in a qemu VM

GO       ?= go
BIN      := mycontainer
ROOTFS   := testdata/rootfs
BUSYBOX  ?= /bin/busybox
# A static binary starts about 1 ms faster than a dynamically linked one.
LDFLAGS  := -s -w -extldflags -static
TAGS     := netgo,osusergo

.PHONY: all build run test check unit fuzz integration rootfs deps clean test-v2 test-engines bench bench-pull bench-v2 soak mutants mutants-fast

all: build

build: deps
	CGO_ENABLED=1 $(GO) build -trimpath -tags $(TAGS) -ldflags '$(LDFLAGS)' -o $(BIN) .
	CGO_ENABLED=0 $(GO) build -trimpath -tags $(TAGS) -ldflags '-s -w' -o $(BIN)-image ./cmd/mycontainer-image
	CGO_ENABLED=0 $(GO) build -trimpath -tags $(TAGS) -ldflags '-s -w' -o $(BIN)-net ./cmd/mycontainer-net
	CGO_ENABLED=1 $(GO) build -trimpath -tags $(TAGS) -ldflags '$(LDFLAGS)' -o $(BIN)-seccomp ./cmd/mycontainer-seccomp

# What the build and the tests need, from Debian: libseccomp (linked in
# statically) and pkg-config, a static busybox for the test rootfs, strace
# for the tracing test, qemu and friends for the cgroup v2 VM, a registry,
# skopeo and umoci for the image tests, clang (with
# its libFuzzer runtime) for the C side of `make fuzz`.
DEB_DEPS := busybox-static iproute2 strace file qemu-system-x86 cpio kmod libseccomp-dev pkg-config clang docker-registry skopeo umoci
deps:
	@missing=""; for p in $(DEB_DEPS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# The test rootfs: Debian's static busybox and one symlink per applet.
rootfs: $(ROOTFS)/bin/busybox

$(ROOTFS)/bin/busybox: | deps
	rm -rf $(ROOTFS)
	mkdir -p $(ROOTFS)/bin $(ROOTFS)/etc $(ROOTFS)/proc $(ROOTFS)/sys $(ROOTFS)/dev $(ROOTFS)/tmp $(ROOTFS)/root
	cp $(BUSYBOX) $(ROOTFS)/bin/busybox
	for a in $$($(BUSYBOX) --list); do [ "$$a" = busybox ] || ln -sf busybox $(ROOTFS)/bin/$$a; done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\nalice:x:1000:1000:alice:/home/alice:/bin/sh\n' > $(ROOTFS)/etc/passwd
	printf 'root:x:0:\nnogroup:x:65534:\nalice:x:1000:\nstaff:x:50:alice\n' > $(ROOTFS)/etc/group

run: build rootfs
	./$(BIN) run --rootfs $(ROOTFS) /bin/sh

check:
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...
	gcc -std=gnu11 -Wall -Wextra -Werror -fsyntax-only nsexec/*.c
	gcc -std=gnu11 -Wall -Wextra -Werror -fsyntax-only -I nsexec nsexec/fuzz/*.c
	gcc -std=gnu11 -Wall -Wextra -Werror -fsyntax-only tests/attack/*.c

unit:
	$(GO) test -count=1 . ./nsexec/ ./rootfs/ ./cgroups/ ./container/ ./spec/ ./state/ ./ocilog/ ./seccomp/ ./seccomp/compile/ ./init/ ./image/ ./image/fetch/ ./netconf/ ./network/ ./tests/soak/ ./tests/mutants/

integration: build rootfs
	$(GO) test -count=1 -timeout 10m ./tests/

# Fuzzing, one target after another: Go runs one -fuzz target per
# invocation, then the libFuzzer harness of the C frame parser. Each runs
# for FUZZTIME (a Go duration in s, m or h: make fuzz FUZZTIME=5m); the Go
# targets on FUZZPAR workers and the C one in one process, because the test
# machines are small and shared.
# Interesting inputs are minimized for at most 1s: the podman seed is 6 KiB
# and the default minute per input stalls a short run. A Go crasher lands in
# the package's testdata/fuzz/ (commit it with the fix: it becomes a unit
# test); the C harness keeps its corpus and crashes in a temporary
# directory, kept and printed when it fails. Commit a C crasher to
# nsexec/fuzz/corpus/, which every run replays first.
FUZZTIME ?= 10s
FUZZPAR  ?= 1
GO_FUZZ  := nsexec:FuzzParseFrame nsexec:FuzzParseBootstrap nsexec:FuzzDecodeExtras spec:FuzzLoadValidate spec:FuzzSeccompSpan
fuzz: deps
	@# Go's fuzzer can end a run with "context deadline exceeded" and no
	@# failing input when its time runs out while a worker is busy (seen
	@# on a loaded 2-core machine): that one symptom, and only it, gets a
	@# second run; a real failure writes its input under testdata/fuzz.
	@for t in $(GO_FUZZ); do pkg=$${t%%:*}; fn=$${t#*:}; \
	  for try in 1 2; do \
	    echo "fuzz: $$fn in ./$$pkg for $(FUZZTIME)"; \
	    out=$$($(GO) test -run='^$$' -fuzz="^$$fn\$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=1s \
	      -parallel $(FUZZPAR) ./$$pkg/ 2>&1); rc=$$?; echo "$$out"; \
	    [ $$rc = 0 ] && break; \
	    if [ $$try = 1 ] && echo "$$out" | grep -q "context deadline exceeded" && \
	       ! echo "$$out" | grep -q "Failing input written"; then \
	      echo "fuzz: $$fn: the fuzzer's own deadline, no failing input: once more"; continue; fi; \
	    exit 1; \
	  done; \
	done
	@d=$$(mktemp -d /tmp/mycontainer-fuzz.XXXXXX) && mkdir "$$d/corpus" && \
	secs=$$(( $$(echo $(FUZZTIME) | sed 's/s$$//; s/m$$/*60/; s/h$$/*3600/') )) && \
	echo "fuzz: nsexec/fuzz/frame_fuzz.c for $${secs}s" && \
	clang -g -O1 -fsanitize=fuzzer,address -Wall -Wextra -Werror -I nsexec \
	  -o "$$d/frame_fuzz" nsexec/fuzz/frame_fuzz.c nsexec/frame.c nsexec/plan.c && \
	if "$$d/frame_fuzz" -max_total_time=$$secs \
	     -artifact_prefix="$$d/" "$$d/corpus" nsexec/fuzz/corpus >"$$d/log" 2>&1; then \
	  tail -n 3 "$$d/log"; rm -rf "$$d"; \
	else tail -n 40 "$$d/log"; echo "fuzz: the C harness failed; log, corpus and crash in $$d"; exit 1; fi

# CI fuzzes briefly; make test FUZZTIME=1m for longer.
test: FUZZTIME = 3s
test: deps check unit fuzz integration soak mutants-fast test-engines test-v2

# Containers started in a loop, the runtime SIGKILLed at random moments
# of the start and of the OCI verbs; then, after one sweeping run, nothing
# may be left (tests/soak/README.md). It starts containers as root; run it
# alone under /tmp/mycontainer-root-suite.lock, as the bench.
N ?= 200
# Rounds four at a time (tests/soak/README.md): a tenth of the serial time.
SOAK_ARGS ?= -j 4
soak: build rootfs
	$(GO) run ./tests/soak -n $(N) -bin $(CURDIR)/$(BIN) -rootfs $(CURDIR)/$(ROOTFS) $(SOAK_ARGS)

# podman and containerd, installed from Debian, driving this runtime
# through run, exec (with and without a tty), stop, kill, pause, rm.
# Start-up cost and footprint beside runc, crun and bubblewrap
# (bench/README.md). It starts containers as root.
bench: build rootfs
	bench/run.sh $(BENCH_ARGS)

# Pull and unpack of a ~100 MB image from a loopback registry beside
# skopeo copy plus umoci unpack (bench/README.md). Not part of make test.
bench-pull: build rootfs
	bench/pull.sh $(BENCH_PULL_ARGS)

# The same benchmark in the cgroup v2 VM of test-v2 (bench/v2.sh), written
# to bench/RESULTS-v2.md. Not part of make test: it takes minutes of TCG.
# VM_MODULES (below) give it the --net bridge rows.
bench-v2: build rootfs
	bench/v2.sh $(addprefix --module ,$(VM_MODULES)) $(BENCH_V2_ARGS)

test-engines: build
	tests/engines/run.sh --runtime $(CURDIR)/$(BIN)

# Tests that can fail: each mutation removes one guard from a copy of the
# tree and the tests named for it must fail (tests/mutants). make test
# runs the fast subset; make mutants all of them.
mutants: rootfs
	$(GO) run ./tests/mutants

mutants-fast: rootfs
	$(GO) run ./tests/mutants -fast

clean:
	rm -rf $(BIN) $(BIN)-image $(BIN)-net $(BIN)-seccomp $(ROOTFS)

# The same integration tests, plus the cgroups package's, on a real cgroup
# v2 kernel in a qemu VM (this host is cgroup v1 hybrid). See tests/vm/.
# The network tests need the bridge and nftables modules and iproute2's ip
# (tests/vm/iproute2.sh: the guest's busybox ip has no netns). bench-v2
# uses them too.
VM_MODULES := bridge nf_tables nft_ct nft_fib_ipv4 nft_masq nft_nat nft_chain_nat
STATIC := CGO_ENABLED=1 $(GO) test -c -tags $(TAGS) -ldflags '-extldflags -static'
test-v2: build rootfs
	d=$$(mktemp -d /tmp/mycontainer-v2.XXXXXX) && trap 'rm -rf "$$d"' EXIT && \
	cp $(BIN) "$$d/mycontainer" && cp $(BIN)-net "$$d/mycontainer-net" && cp $(BIN)-image "$$d/mycontainer-image" && cp $(BIN)-seccomp "$$d/mycontainer-seccomp" && \
	cp -a $(ROOTFS) "$$d/rootfs" && tests/vm/iproute2.sh "$$d" && \
	CGO_ENABLED=0 $(GO) build -o "$$d/mycontainer-nettool" ./tests/nettool && \
	mkdir "$$d/attack" && for c in tests/attack/*.c; do \
	  gcc -static -O2 -o "$$d/attack/$$(basename $$c .c)" $$c || exit 1; done && \
	CGO_ENABLED=1 $(GO) build -trimpath -tags $(TAGS),leakprobe -ldflags '$(LDFLAGS)' -o "$$d/mycontainer-leakprobe" . && \
	$(STATIC) -o "$$d/tests.test" ./tests && \
	$(STATIC) -o "$$d/cgroups.test" ./cgroups && \
	MYCONTAINER_TEST_BIN=$(CURDIR)/$(BIN) MYCONTAINER_TEST_ROOTFS=$(CURDIR)/$(ROOTFS) \
	  MYCONTAINER_TEST_WRITE_IMAGE_LAYOUT="$$d/image" "$$d/tests.test" -test.run '^TestImageLayoutForVM$$' && \
	tests/vm/run.sh --mem 1024M --timeout 600 --files "$$d" $(addprefix --module ,$(VM_MODULES)) -- sh -c \
	  'PATH=/mnt/files/bin:$$PATH MYCONTAINER_TEST_BIN=/mnt/files/mycontainer MYCONTAINER_TEST_IMAGE_LAYOUT=/mnt/files/image MYCONTAINER_TEST_LEAKPROBE_BIN=/mnt/files/mycontainer-leakprobe MYCONTAINER_TEST_ROOTFS=/mnt/files/rootfs MYCONTAINER_TEST_ATTACK_DIR=/mnt/files/attack ./tests.test -test.count=1 && ./cgroups.test -test.count=1'
