// libFuzzer's driver, for SwiftPM executables (whose entry point SwiftPM names <Target>_main).
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
