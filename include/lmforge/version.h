#pragma once
#define LMFORGE_VERSION "0.1.0"
