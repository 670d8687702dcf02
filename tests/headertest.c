/* Compiles the public header on its own, as C99 and as C++ (make headertest). */
#include "cratesec.h"

int main(void)
{
    csec_buf b = CSEC_BUF_INIT;
    (void)b;
    return 0;
}
