// SwiftPM links an executable with main defined as <Target>_main; with no Swift main in a
// fuzz target (its entry is LLVMFuzzerTestOneInput), these hand the process to libFuzzer.
#include "CFuzzDriver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run(int argc, char **argv) { return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput); }
int FuzzTrace_main(int argc, char **argv) { return run(argc, argv); }
int FuzzTopology_main(int argc, char **argv) { return run(argc, argv); }
int FuzzELF_main(int argc, char **argv) { return run(argc, argv); }
int FuzzTraceDat_main(int argc, char **argv) { return run(argc, argv); }
int FuzzAnalyze_main(int argc, char **argv) { return run(argc, argv); }
