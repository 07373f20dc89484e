// cloister-enclave: the stateless inference service inside the confidential VM.
#include "tools/common/cli.h"

int main(int argc, char** argv) {
  cloister::tools::Program program(
      "cloister-enclave",
      "Cloister enclave: attested, stateless inference inside a confidential VM.\n"
      "Terminates Noise sessions from clients and runs the model; never stores plaintext.");
  return program.run(argc, argv);
}
