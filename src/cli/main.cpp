#include "cli/app.h"

int main(int argc, char** argv) { return nucleus::cli::run(argc, argv); }
