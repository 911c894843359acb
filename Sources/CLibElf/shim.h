#include <libelf.h>
