/* A stand-in for libx264 (GPL-2.0-or-later) inside PyAV's wheel: the same file name, soname and symbols, no encoder.
 * libavcodec links libx264 and loads it with every `import av`; Rehearse never encodes H.264, so this stub takes its
 * place and FFmpeg's libx264 encoder fails to open ("Error setting preset/tune") instead of running GPL code.
 * Part of Rehearse, MIT licence (LICENSE). Built by scripts/gpl_free_av.py with -DX264_BUILD=<the soname's number>. */

#define RH_NAME2(a, b) a##b
#define RH_NAME(a, b) RH_NAME2(a, b)

__attribute__((used)) const char rehearse_gpl_free_stub[] = "rehearse-gpl-free-stub: libx264 stand-in, H.264 encoding unavailable";

typedef struct x264_t x264_t;

/* x264_level_t entries end with level_idc 0: an empty table (room for one entry of any version's layout). */
const unsigned char x264_levels[64] = {0};

void x264_param_default(void *param) { (void)param; }
int x264_param_default_preset(void *param, const char *preset, const char *tune) { (void)param; (void)preset; (void)tune; return -1; }
int x264_param_apply_profile(void *param, const char *profile) { (void)param; (void)profile; return -1; }
void x264_param_apply_fastfirstpass(void *param) { (void)param; }
int x264_param_parse(void *param, const char *name, const char *value) { (void)param; (void)name; (void)value; return -1; }
void x264_param_cleanup(void *param) { (void)param; }
void x264_picture_init(void *picture) { (void)picture; }
x264_t *RH_NAME(x264_encoder_open_, X264_BUILD)(void *param) { (void)param; return 0; }
int x264_encoder_reconfig(x264_t *h, void *param) { (void)h; (void)param; return -1; }
int x264_encoder_headers(x264_t *h, void **nal, int *count) { (void)h; (void)nal; (void)count; return -1; }
int x264_encoder_encode(x264_t *h, void **nal, int *count, void *in, void *out) { (void)h; (void)nal; (void)count; (void)in; (void)out; return -1; }
void x264_encoder_close(x264_t *h) { (void)h; }
int x264_encoder_delayed_frames(x264_t *h) { (void)h; return 0; }
int x264_encoder_maximum_delayed_frames(x264_t *h) { (void)h; return 0; }
