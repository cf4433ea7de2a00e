/* A stand-in for libx265 (GPL-2.0-or-later) inside PyAV's wheel: the same file name, soname and entry point, no encoder.
 * libavcodec links libx265 and loads it with every `import av`; Rehearse never encodes HEVC. x265_api_get_<build>
 * hands out an API table (x265.h's struct x265_api layout) whose every function does nothing and returns 0: FFmpeg's
 * libx265 encoder then fails to open ("Could not allocate x265 param structure") instead of running GPL code.
 * Part of Rehearse, MIT licence (LICENSE). Built by scripts/gpl_free_av.py with -DX265_BUILD=<the soname's number>. */

#define RH_NAME2(a, b) a##b
#define RH_NAME(a, b) RH_NAME2(a, b)

__attribute__((used)) const char rehearse_gpl_free_stub[] = "rehearse-gpl-free-stub: libx265 stand-in, HEVC encoding unavailable";

static void *nothing(void) { return 0; }

typedef void *(*function)(void);

static const struct {
    int api_major_version, api_build_number, sizeof_param, sizeof_picture, sizeof_analysis_data, sizeof_zone, sizeof_stats;
    int bit_depth;
    const char *version_str, *build_info_str;
    function functions[128]; /* param_alloc, param_free, ...: more slots than any x265 version has */
} api = {
    4, X265_BUILD, 0, 0, 0, 0, 0, 0, "unavailable (rehearse-gpl-free-stub)", "unavailable",
    {
#define RH_8 nothing, nothing, nothing, nothing, nothing, nothing, nothing, nothing
#define RH_64 RH_8, RH_8, RH_8, RH_8, RH_8, RH_8, RH_8, RH_8
        RH_64, RH_64
    },
};

const void *RH_NAME(x265_api_get_, X265_BUILD)(int bit_depth) { (void)bit_depth; return &api; }
const void *x265_api_query(int bit_depth, int api_version, int *err) { (void)bit_depth; (void)api_version; if (err) *err = 0; return &api; }
