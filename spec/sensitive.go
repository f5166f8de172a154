package spec

// maskedPaths are hidden in the default config (an empty read-only
// file or directory is mounted over them): they let a container read the
// host's memory or secrets, or poke hardware.
func maskedPaths() []string {
	return []string{
		"/proc/acpi",                    // ACPI tables and knobs of the host's firmware
		"/proc/asound",                  // the host's sound cards
		"/proc/kcore",                   // an image of the host's physical memory
		"/proc/keys",                    // kernel keyrings visible to the caller
		"/proc/latency_stats",           // scheduling latency of every host task
		"/proc/sched_debug",             // every task on the host, with its name
		"/proc/scsi",                    // rescans and removes the host's disks
		"/proc/timer_list",              // host-wide timers, with the tasks that set them
		"/proc/timer_stats",             // the same, on older kernels
		"/sys/devices/virtual/powercap", // RAPL energy counters: a side channel (CVE-2020-8694)
		"/sys/firmware",                 // EFI variables and firmware tables
	}
}

// readonlyPaths stay visible but cannot be written: each is a control
// interface for the whole host rather than for the container.
func readonlyPaths() []string {
	return []string{
		"/proc/bus",           // PCI and USB config space
		"/proc/fs",            // filesystem driver settings
		"/proc/irq",           // interrupt routing
		"/proc/sys",           // host sysctls (namespaced ones go via linux.sysctl)
		"/proc/sysrq-trigger", // reboot, crash or freeze the host
	}
}
