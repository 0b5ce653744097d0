/* Bare-metal ISA exerciser (no libc): runs every integer, Zba/Zbb/Zbs, M, A and F/D instruction on edge-case
 * and pseudo-random operands and prints "name operands -> result [fflags]" lines with the write syscall.
 * Run under qemu-riscv64 and under jemu's interpreter; the outputs must be identical. */
typedef unsigned long u64;
typedef long s64;
typedef unsigned int u32;

static char buf[1 << 16];
static int pos;

static long sys3(long n, long a, long b, long c) {
    register long a0 asm("a0") = a, a1 asm("a1") = b, a2 asm("a2") = c, a7 asm("a7") = n;
    asm volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
    return a0;
}
static void flush(void) { if (pos) sys3(64, 1, (long) buf, pos); pos = 0; }
static void ch(char c) { if (pos == sizeof buf) flush(); buf[pos++] = c; }
static void str(const char *s) { while (*s) ch(*s++); }
static void hex(u64 v) { for (int i = 60; i >= 0; i -= 4) ch("0123456789abcdef"[(v >> i) & 15]); }

static u64 seed = 0x123456789abcdefUL;
static u64 rnd(void) { seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17; return seed; }

static const u64 special[] = {0, 1, 2, 3, -1UL, -2UL, 0x7fffffffffffffffUL, 0x8000000000000000UL, 0x7fffffffUL,
    0x80000000UL, 0xffffffff80000000UL, 0xffffffffUL, 0x100000000UL, 31, 32, 63, 64, 0x5555555555555555UL,
    0x00ff00ff00ff00ffUL, 0x8000000000000001UL, 0xfffffffffffffffeUL, 0x0000000100000001UL};
#define NSPECIAL (sizeof special / sizeof special[0])
static u64 operand(int i) { return i < (int) NSPECIAL ? special[i] : rnd() >> (rnd() & 63); }


static u64 r_add(u64 a, u64 b) { u64 r; asm volatile("add %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_sub(u64 a, u64 b) { u64 r; asm volatile("sub %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_sll(u64 a, u64 b) { u64 r; asm volatile("sll %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_slt(u64 a, u64 b) { u64 r; asm volatile("slt %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_sltu(u64 a, u64 b) { u64 r; asm volatile("sltu %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_xor(u64 a, u64 b) { u64 r; asm volatile("xor %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_srl(u64 a, u64 b) { u64 r; asm volatile("srl %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_sra(u64 a, u64 b) { u64 r; asm volatile("sra %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_or(u64 a, u64 b) { u64 r; asm volatile("or %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_and(u64 a, u64 b) { u64 r; asm volatile("and %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_addw(u64 a, u64 b) { u64 r; asm volatile("addw %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_subw(u64 a, u64 b) { u64 r; asm volatile("subw %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_sllw(u64 a, u64 b) { u64 r; asm volatile("sllw %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_srlw(u64 a, u64 b) { u64 r; asm volatile("srlw %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_sraw(u64 a, u64 b) { u64 r; asm volatile("sraw %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_mul(u64 a, u64 b) { u64 r; asm volatile("mul %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_mulh(u64 a, u64 b) { u64 r; asm volatile("mulh %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_mulhsu(u64 a, u64 b) { u64 r; asm volatile("mulhsu %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_mulhu(u64 a, u64 b) { u64 r; asm volatile("mulhu %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_div(u64 a, u64 b) { u64 r; asm volatile("div %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_divu(u64 a, u64 b) { u64 r; asm volatile("divu %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_rem(u64 a, u64 b) { u64 r; asm volatile("rem %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_remu(u64 a, u64 b) { u64 r; asm volatile("remu %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_mulw(u64 a, u64 b) { u64 r; asm volatile("mulw %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_divw(u64 a, u64 b) { u64 r; asm volatile("divw %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_divuw(u64 a, u64 b) { u64 r; asm volatile("divuw %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_remw(u64 a, u64 b) { u64 r; asm volatile("remw %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_remuw(u64 a, u64 b) { u64 r; asm volatile("remuw %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_add_uw(u64 a, u64 b) { u64 r; asm volatile("add.uw %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_sh1add(u64 a, u64 b) { u64 r; asm volatile("sh1add %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_sh2add(u64 a, u64 b) { u64 r; asm volatile("sh2add %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_sh3add(u64 a, u64 b) { u64 r; asm volatile("sh3add %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_sh1add_uw(u64 a, u64 b) { u64 r; asm volatile("sh1add.uw %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_sh2add_uw(u64 a, u64 b) { u64 r; asm volatile("sh2add.uw %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_sh3add_uw(u64 a, u64 b) { u64 r; asm volatile("sh3add.uw %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_andn(u64 a, u64 b) { u64 r; asm volatile("andn %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_orn(u64 a, u64 b) { u64 r; asm volatile("orn %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_xnor(u64 a, u64 b) { u64 r; asm volatile("xnor %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_max(u64 a, u64 b) { u64 r; asm volatile("max %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_maxu(u64 a, u64 b) { u64 r; asm volatile("maxu %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_min(u64 a, u64 b) { u64 r; asm volatile("min %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_minu(u64 a, u64 b) { u64 r; asm volatile("minu %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_rol(u64 a, u64 b) { u64 r; asm volatile("rol %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_ror(u64 a, u64 b) { u64 r; asm volatile("ror %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_rolw(u64 a, u64 b) { u64 r; asm volatile("rolw %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_rorw(u64 a, u64 b) { u64 r; asm volatile("rorw %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_bclr(u64 a, u64 b) { u64 r; asm volatile("bclr %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_bext(u64 a, u64 b) { u64 r; asm volatile("bext %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_binv(u64 a, u64 b) { u64 r; asm volatile("binv %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 r_bset(u64 a, u64 b) { u64 r; asm volatile("bset %0,%1,%2" : "=r"(r) : "r"(a), "r"(b)); return r; }
static u64 u_clz(u64 a, u64 b) { (void) b; u64 r; asm volatile("clz %0,%1" : "=r"(r) : "r"(a)); return r; }
static u64 u_ctz(u64 a, u64 b) { (void) b; u64 r; asm volatile("ctz %0,%1" : "=r"(r) : "r"(a)); return r; }
static u64 u_cpop(u64 a, u64 b) { (void) b; u64 r; asm volatile("cpop %0,%1" : "=r"(r) : "r"(a)); return r; }
static u64 u_clzw(u64 a, u64 b) { (void) b; u64 r; asm volatile("clzw %0,%1" : "=r"(r) : "r"(a)); return r; }
static u64 u_ctzw(u64 a, u64 b) { (void) b; u64 r; asm volatile("ctzw %0,%1" : "=r"(r) : "r"(a)); return r; }
static u64 u_cpopw(u64 a, u64 b) { (void) b; u64 r; asm volatile("cpopw %0,%1" : "=r"(r) : "r"(a)); return r; }
static u64 u_sext_b(u64 a, u64 b) { (void) b; u64 r; asm volatile("sext.b %0,%1" : "=r"(r) : "r"(a)); return r; }
static u64 u_sext_h(u64 a, u64 b) { (void) b; u64 r; asm volatile("sext.h %0,%1" : "=r"(r) : "r"(a)); return r; }
static u64 u_zext_h(u64 a, u64 b) { (void) b; u64 r; asm volatile("zext.h %0,%1" : "=r"(r) : "r"(a)); return r; }
static u64 u_orc_b(u64 a, u64 b) { (void) b; u64 r; asm volatile("orc.b %0,%1" : "=r"(r) : "r"(a)); return r; }
static u64 u_rev8(u64 a, u64 b) { (void) b; u64 r; asm volatile("rev8 %0,%1" : "=r"(r) : "r"(a)); return r; }
static u64 i_addi_m2048(u64 a, u64 b) { (void) b; u64 r; asm volatile("addi %0,%1,-2048" : "=r"(r) : "r"(a)); return r; }
static u64 i_addi_2047(u64 a, u64 b) { (void) b; u64 r; asm volatile("addi %0,%1,2047" : "=r"(r) : "r"(a)); return r; }
static u64 i_slti_m1(u64 a, u64 b) { (void) b; u64 r; asm volatile("slti %0,%1,-1" : "=r"(r) : "r"(a)); return r; }
static u64 i_sltiu_m1(u64 a, u64 b) { (void) b; u64 r; asm volatile("sltiu %0,%1,-1" : "=r"(r) : "r"(a)); return r; }
static u64 i_sltiu_5(u64 a, u64 b) { (void) b; u64 r; asm volatile("sltiu %0,%1,5" : "=r"(r) : "r"(a)); return r; }
static u64 i_xori_m1(u64 a, u64 b) { (void) b; u64 r; asm volatile("xori %0,%1,-1" : "=r"(r) : "r"(a)); return r; }
static u64 i_ori_1365(u64 a, u64 b) { (void) b; u64 r; asm volatile("ori %0,%1,1365" : "=r"(r) : "r"(a)); return r; }
static u64 i_andi_m16(u64 a, u64 b) { (void) b; u64 r; asm volatile("andi %0,%1,-16" : "=r"(r) : "r"(a)); return r; }
static u64 i_slli_0(u64 a, u64 b) { (void) b; u64 r; asm volatile("slli %0,%1,0" : "=r"(r) : "r"(a)); return r; }
static u64 i_slli_63(u64 a, u64 b) { (void) b; u64 r; asm volatile("slli %0,%1,63" : "=r"(r) : "r"(a)); return r; }
static u64 i_srli_1(u64 a, u64 b) { (void) b; u64 r; asm volatile("srli %0,%1,1" : "=r"(r) : "r"(a)); return r; }
static u64 i_srli_63(u64 a, u64 b) { (void) b; u64 r; asm volatile("srli %0,%1,63" : "=r"(r) : "r"(a)); return r; }
static u64 i_srai_7(u64 a, u64 b) { (void) b; u64 r; asm volatile("srai %0,%1,7" : "=r"(r) : "r"(a)); return r; }
static u64 i_srai_63(u64 a, u64 b) { (void) b; u64 r; asm volatile("srai %0,%1,63" : "=r"(r) : "r"(a)); return r; }
static u64 i_addiw_m1(u64 a, u64 b) { (void) b; u64 r; asm volatile("addiw %0,%1,-1" : "=r"(r) : "r"(a)); return r; }
static u64 i_addiw_2047(u64 a, u64 b) { (void) b; u64 r; asm volatile("addiw %0,%1,2047" : "=r"(r) : "r"(a)); return r; }
static u64 i_slliw_31(u64 a, u64 b) { (void) b; u64 r; asm volatile("slliw %0,%1,31" : "=r"(r) : "r"(a)); return r; }
static u64 i_srliw_31(u64 a, u64 b) { (void) b; u64 r; asm volatile("srliw %0,%1,31" : "=r"(r) : "r"(a)); return r; }
static u64 i_sraiw_1(u64 a, u64 b) { (void) b; u64 r; asm volatile("sraiw %0,%1,1" : "=r"(r) : "r"(a)); return r; }
static u64 i_sraiw_0(u64 a, u64 b) { (void) b; u64 r; asm volatile("sraiw %0,%1,0" : "=r"(r) : "r"(a)); return r; }
static u64 i_slli_uw_0(u64 a, u64 b) { (void) b; u64 r; asm volatile("slli.uw %0,%1,0" : "=r"(r) : "r"(a)); return r; }
static u64 i_slli_uw_35(u64 a, u64 b) { (void) b; u64 r; asm volatile("slli.uw %0,%1,35" : "=r"(r) : "r"(a)); return r; }
static u64 i_rori_1(u64 a, u64 b) { (void) b; u64 r; asm volatile("rori %0,%1,1" : "=r"(r) : "r"(a)); return r; }
static u64 i_rori_63(u64 a, u64 b) { (void) b; u64 r; asm volatile("rori %0,%1,63" : "=r"(r) : "r"(a)); return r; }
static u64 i_roriw_0(u64 a, u64 b) { (void) b; u64 r; asm volatile("roriw %0,%1,0" : "=r"(r) : "r"(a)); return r; }
static u64 i_roriw_31(u64 a, u64 b) { (void) b; u64 r; asm volatile("roriw %0,%1,31" : "=r"(r) : "r"(a)); return r; }
static u64 i_bclri_63(u64 a, u64 b) { (void) b; u64 r; asm volatile("bclri %0,%1,63" : "=r"(r) : "r"(a)); return r; }
static u64 i_bexti_31(u64 a, u64 b) { (void) b; u64 r; asm volatile("bexti %0,%1,31" : "=r"(r) : "r"(a)); return r; }
static u64 i_binvi_0(u64 a, u64 b) { (void) b; u64 r; asm volatile("binvi %0,%1,0" : "=r"(r) : "r"(a)); return r; }
static u64 i_bseti_40(u64 a, u64 b) { (void) b; u64 r; asm volatile("bseti %0,%1,40" : "=r"(r) : "r"(a)); return r; }
typedef u64 (*fn2)(u64, u64);
struct t2 { const char *n; fn2 f; int unary; };
static const struct t2 itab[] = {
  {"add", r_add, 0},
  {"sub", r_sub, 0},
  {"sll", r_sll, 0},
  {"slt", r_slt, 0},
  {"sltu", r_sltu, 0},
  {"xor", r_xor, 0},
  {"srl", r_srl, 0},
  {"sra", r_sra, 0},
  {"or", r_or, 0},
  {"and", r_and, 0},
  {"addw", r_addw, 0},
  {"subw", r_subw, 0},
  {"sllw", r_sllw, 0},
  {"srlw", r_srlw, 0},
  {"sraw", r_sraw, 0},
  {"mul", r_mul, 0},
  {"mulh", r_mulh, 0},
  {"mulhsu", r_mulhsu, 0},
  {"mulhu", r_mulhu, 0},
  {"div", r_div, 0},
  {"divu", r_divu, 0},
  {"rem", r_rem, 0},
  {"remu", r_remu, 0},
  {"mulw", r_mulw, 0},
  {"divw", r_divw, 0},
  {"divuw", r_divuw, 0},
  {"remw", r_remw, 0},
  {"remuw", r_remuw, 0},
  {"add.uw", r_add_uw, 0},
  {"sh1add", r_sh1add, 0},
  {"sh2add", r_sh2add, 0},
  {"sh3add", r_sh3add, 0},
  {"sh1add.uw", r_sh1add_uw, 0},
  {"sh2add.uw", r_sh2add_uw, 0},
  {"sh3add.uw", r_sh3add_uw, 0},
  {"andn", r_andn, 0},
  {"orn", r_orn, 0},
  {"xnor", r_xnor, 0},
  {"max", r_max, 0},
  {"maxu", r_maxu, 0},
  {"min", r_min, 0},
  {"minu", r_minu, 0},
  {"rol", r_rol, 0},
  {"ror", r_ror, 0},
  {"rolw", r_rolw, 0},
  {"rorw", r_rorw, 0},
  {"bclr", r_bclr, 0},
  {"bext", r_bext, 0},
  {"binv", r_binv, 0},
  {"bset", r_bset, 0},
  {"clz", u_clz, 1},
  {"ctz", u_ctz, 1},
  {"cpop", u_cpop, 1},
  {"clzw", u_clzw, 1},
  {"ctzw", u_ctzw, 1},
  {"cpopw", u_cpopw, 1},
  {"sext.b", u_sext_b, 1},
  {"sext.h", u_sext_h, 1},
  {"zext.h", u_zext_h, 1},
  {"orc.b", u_orc_b, 1},
  {"rev8", u_rev8, 1},
  {"addi,-2048", i_addi_m2048, 1},
  {"addi,2047", i_addi_2047, 1},
  {"slti,-1", i_slti_m1, 1},
  {"sltiu,-1", i_sltiu_m1, 1},
  {"sltiu,5", i_sltiu_5, 1},
  {"xori,-1", i_xori_m1, 1},
  {"ori,1365", i_ori_1365, 1},
  {"andi,-16", i_andi_m16, 1},
  {"slli,0", i_slli_0, 1},
  {"slli,63", i_slli_63, 1},
  {"srli,1", i_srli_1, 1},
  {"srli,63", i_srli_63, 1},
  {"srai,7", i_srai_7, 1},
  {"srai,63", i_srai_63, 1},
  {"addiw,-1", i_addiw_m1, 1},
  {"addiw,2047", i_addiw_2047, 1},
  {"slliw,31", i_slliw_31, 1},
  {"srliw,31", i_srliw_31, 1},
  {"sraiw,1", i_sraiw_1, 1},
  {"sraiw,0", i_sraiw_0, 1},
  {"slli.uw,0", i_slli_uw_0, 1},
  {"slli.uw,35", i_slli_uw_35, 1},
  {"rori,1", i_rori_1, 1},
  {"rori,63", i_rori_63, 1},
  {"roriw,0", i_roriw_0, 1},
  {"roriw,31", i_roriw_31, 1},
  {"bclri,63", i_bclri_63, 1},
  {"bexti,31", i_bexti_31, 1},
  {"binvi,0", i_binvi_0, 1},
  {"bseti,40", i_bseti_40, 1},
};

static void line3(const char *n, u64 a, u64 b, u64 r) { str(n); ch(' '); hex(a); ch(' '); hex(b); str(" -> "); hex(r); ch('\n'); }

static void integer(void) {
    for (unsigned t = 0; t < sizeof itab / sizeof itab[0]; t++) {
        seed = 0x9e3779b97f4a7c15UL ^ t;
        for (int i = 0; i < 40; i++) {
            u64 a = operand(i);
            if (itab[t].unary) { line3(itab[t].n, a, 0, itab[t].f(a, 0)); continue; }
            for (int j = 0; j < 40; j += (i < (int) NSPECIAL && j < (int) NSPECIAL) ? 1 : 7) {
                u64 b = operand(j);
                line3(itab[t].n, a, b, itab[t].f(a, b));
            }
        }
    }
}

/* ---- atomics (single hart): results and memory after each AMO ---- */
static u64 mem64[4];
#define AMO(op, suf, T) { u64 r; asm volatile(op "." suf " %0,%2,(%1)" : "=r"(r) : "r"(&mem64[1]), "r"(b) : "memory"); \
    str(op); ch('.'); str(suf); ch(' '); hex(a); ch(' '); hex(b); str(" -> "); hex(r); ch(' '); hex(mem64[1]); ch('\n'); }
static void atomics(void) {
    static const char *ops[] = {"amoswap", "amoadd", "amoxor", "amoand", "amoor", "amomin", "amomax", "amominu", "amomaxu"};
    for (int i = 0; i < 12; i++) for (int j = 0; j < 12; j++) {
        u64 a = operand(i * 2), b = operand(j * 2 + 1);
        for (int k = 0; k < 9; k++) {
            mem64[1] = a;
            switch (k) {
            case 0: AMO("amoswap", "d", u64) break; case 1: AMO("amoadd", "d", u64) break; case 2: AMO("amoxor", "d", u64) break;
            case 3: AMO("amoand", "d", u64) break; case 4: AMO("amoor", "d", u64) break; case 5: AMO("amomin", "d", u64) break;
            case 6: AMO("amomax", "d", u64) break; case 7: AMO("amominu", "d", u64) break; case 8: AMO("amomaxu", "d", u64) break;
            }
            mem64[1] = a;
            switch (k) {
            case 0: AMO("amoswap", "w", u32) break; case 1: AMO("amoadd", "w", u32) break; case 2: AMO("amoxor", "w", u32) break;
            case 3: AMO("amoand", "w", u32) break; case 4: AMO("amoor", "w", u32) break; case 5: AMO("amomin", "w", u32) break;
            case 6: AMO("amomax", "w", u32) break; case 7: AMO("amominu", "w", u32) break; case 8: AMO("amomaxu", "w", u32) break;
            }
            (void) ops;
        }
        /* lr/sc: a successful pair, then sc without reservation */
        u64 r1, r2, r3;
        mem64[2] = a;
        asm volatile("lr.d %0,(%3)\n sc.d %1,%4,(%3)\n sc.d %2,%4,(%3)" : "=&r"(r1), "=&r"(r2), "=&r"(r3) : "r"(&mem64[2]), "r"(b) : "memory");
        str("lrsc.d "); hex(r1); ch(' '); hex(r2); ch(' '); hex(r3); ch(' '); hex(mem64[2]); ch('\n');
        mem64[2] = a;
        asm volatile("lr.w %0,(%3)\n sc.w %1,%4,(%3)\n sc.w %2,%4,(%3)" : "=&r"(r1), "=&r"(r2), "=&r"(r3) : "r"(&mem64[2]), "r"(b) : "memory");
        str("lrsc.w "); hex(r1); ch(' '); hex(r2); ch(' '); hex(r3); ch(' '); hex(mem64[2]); ch('\n');
    }
}

/* ---- loads/stores of every width, signed and unsigned, misaligned too ---- */
static unsigned char area[64];
static void memory(void) {
    for (int i = 0; i < 64; i++) area[i] = (unsigned char) (i * 37 + 11);
    for (int off = 0; off < 16; off++) {
        u64 r[7];
        unsigned char *p = area + off;
        asm volatile("lb %0,0(%7)\n lh %1,0(%7)\n lw %2,0(%7)\n ld %3,0(%7)\n lbu %4,0(%7)\n lhu %5,0(%7)\n lwu %6,0(%7)"
                     : "=&r"(r[0]), "=&r"(r[1]), "=&r"(r[2]), "=&r"(r[3]), "=&r"(r[4]), "=&r"(r[5]), "=&r"(r[6]) : "r"(p) : "memory");
        str("loads "); hex(off); for (int k = 0; k < 7; k++) { ch(' '); hex(r[k]); } ch('\n');
        u64 v = 0x0123456789abcdefUL * (off + 1);
        asm volatile("sb %0,1(%1)\n sh %0,3(%1)\n sw %0,7(%1)\n sd %0,13(%1)" :: "r"(v), "r"(p) : "memory");
    }
    for (int i = 0; i < 64; i += 8) { u64 w = 0; for (int k = 7; k >= 0; k--) w = w << 8 | area[i + k]; str("area "); hex(w); ch('\n'); }
}

/* ---- floating point: every F/D op in every rounding mode, result bits and fflags ---- */
static const u64 fspecial_d[] = {0, 0x8000000000000000UL, 0x3ff0000000000000UL, 0xbff0000000000000UL, 0x3fd5555555555555UL,
    0x7ff0000000000000UL, 0xfff0000000000000UL, 0x7ff8000000000000UL, 0x7ff0000000000001UL, 0x0000000000000001UL,
    0x000fffffffffffffUL, 0x7fefffffffffffffUL, 0x4340000000000001UL, 0xc3e0000000000000UL, 0x41dfffffffc00000UL,
    0x3fe0000000000000UL, 0x4004000000000000UL, 0xc1e0000000200000UL};
static const u32 fspecial_s[] = {0, 0x80000000u, 0x3f800000u, 0xbf800000u, 0x3eaaaaabu, 0x7f800000u, 0xff800000u, 0x7fc00000u,
    0x7f800001u, 0x00000001u, 0x007fffffu, 0x7f7fffffu, 0x4b000001u, 0xcf000000u, 0x4effffffu, 0x3f000000u, 0x40200000u, 0xdf000000u};
#define NFD (sizeof fspecial_d / sizeof fspecial_d[0])

static u64 dop(int i) { return i < (int) NFD ? fspecial_d[i] : rnd(); }
static u64 sop(int i) { return 0xffffffff00000000UL | (i < (int) NFD ? fspecial_s[i] : (u32) rnd()); }

static u64 flags(void) { u64 f; asm volatile("frflags %0" : "=r"(f)); return f; }
static void clearflags(void) { asm volatile("fsflags zero"); }
static void setrm(u64 rm) { asm volatile("fsrm %0" :: "r"(rm)); }

#define F3(name, insn) static u64 name(u64 a, u64 b, u64 c) { u64 r; \
    asm volatile("fmv.d.x ft0,%1\n fmv.d.x ft1,%2\n fmv.d.x ft2,%3\n " insn "\n fmv.x.d %0,ft3" : "=r"(r) : "r"(a), "r"(b), "r"(c) : "ft0", "ft1", "ft2", "ft3"); return r; }
#define FX(name, insn) static u64 name(u64 a, u64 b, u64 c) { u64 r; (void) c; \
    asm volatile("fmv.d.x ft0,%1\n fmv.d.x ft1,%2\n " insn : "=r"(r) : "r"(a), "r"(b) : "ft0", "ft1"); return r; }
#define XF(name, insn) static u64 name(u64 a, u64 b, u64 c) { u64 r; (void) b; (void) c; \
    asm volatile(insn " ft3,%1\n fmv.x.d %0,ft3" : "=r"(r) : "r"(a) : "ft3"); return r; }

F3(f_fadd_s, "fadd.s ft3,ft0,ft1")
F3(f_fsub_s, "fsub.s ft3,ft0,ft1")
F3(f_fmul_s, "fmul.s ft3,ft0,ft1")
F3(f_fdiv_s, "fdiv.s ft3,ft0,ft1")
F3(f_fsqrt_s, "fsqrt.s ft3,ft0")
F3(f_fmin_s, "fmin.s ft3,ft0,ft1")
F3(f_fmax_s, "fmax.s ft3,ft0,ft1")
F3(f_fmadd_s, "fmadd.s ft3,ft0,ft1,ft2")
F3(f_fmsub_s, "fmsub.s ft3,ft0,ft1,ft2")
F3(f_fnmsub_s, "fnmsub.s ft3,ft0,ft1,ft2")
F3(f_fnmadd_s, "fnmadd.s ft3,ft0,ft1,ft2")
F3(f_fsgnj_s, "fsgnj.s ft3,ft0,ft1")
F3(f_fsgnjn_s, "fsgnjn.s ft3,ft0,ft1")
F3(f_fsgnjx_s, "fsgnjx.s ft3,ft0,ft1")
F3(f_fcvt_d_s, "fcvt.d.s ft3,ft0")
F3(f_fcvt_s_d, "fcvt.s.d ft3,ft0")
F3(f_fadd_d, "fadd.d ft3,ft0,ft1")
F3(f_fsub_d, "fsub.d ft3,ft0,ft1")
F3(f_fmul_d, "fmul.d ft3,ft0,ft1")
F3(f_fdiv_d, "fdiv.d ft3,ft0,ft1")
F3(f_fsqrt_d, "fsqrt.d ft3,ft0")
F3(f_fmin_d, "fmin.d ft3,ft0,ft1")
F3(f_fmax_d, "fmax.d ft3,ft0,ft1")
F3(f_fmadd_d, "fmadd.d ft3,ft0,ft1,ft2")
F3(f_fmsub_d, "fmsub.d ft3,ft0,ft1,ft2")
F3(f_fnmsub_d, "fnmsub.d ft3,ft0,ft1,ft2")
F3(f_fnmadd_d, "fnmadd.d ft3,ft0,ft1,ft2")
F3(f_fsgnj_d, "fsgnj.d ft3,ft0,ft1")
F3(f_fsgnjn_d, "fsgnjn.d ft3,ft0,ft1")
F3(f_fsgnjx_d, "fsgnjx.d ft3,ft0,ft1")
FX(f_feq_s, "feq.s %0,ft0,ft1")
FX(f_flt_s, "flt.s %0,ft0,ft1")
FX(f_fle_s, "fle.s %0,ft0,ft1")
FX(f_fclass_s, "fclass.s %0,ft0")
FX(f_feq_d, "feq.d %0,ft0,ft1")
FX(f_flt_d, "flt.d %0,ft0,ft1")
FX(f_fle_d, "fle.d %0,ft0,ft1")
FX(f_fclass_d, "fclass.d %0,ft0")
FX(f_fmv_x_w, "fmv.x.w %0,ft0")
FX(f_fmv_x_d, "fmv.x.d %0,ft0")
FX(f_fcvt_w_s, "fcvt.w.s %0,ft0")
FX(f_fcvt_wu_s, "fcvt.wu.s %0,ft0")
FX(f_fcvt_l_s, "fcvt.l.s %0,ft0")
FX(f_fcvt_lu_s, "fcvt.lu.s %0,ft0")
FX(f_fcvt_w_d, "fcvt.w.d %0,ft0")
FX(f_fcvt_wu_d, "fcvt.wu.d %0,ft0")
FX(f_fcvt_l_d, "fcvt.l.d %0,ft0")
FX(f_fcvt_lu_d, "fcvt.lu.d %0,ft0")
XF(f_fcvt_s_w, "fcvt.s.w")
XF(f_fcvt_s_wu, "fcvt.s.wu")
XF(f_fcvt_s_l, "fcvt.s.l")
XF(f_fcvt_s_lu, "fcvt.s.lu")
XF(f_fcvt_d_w, "fcvt.d.w")
XF(f_fcvt_d_wu, "fcvt.d.wu")
XF(f_fcvt_d_l, "fcvt.d.l")
XF(f_fcvt_d_lu, "fcvt.d.lu")
XF(f_fmv_w_x, "fmv.w.x")
XF(f_fmv_d_x, "fmv.d.x")
struct ft { const char *n; u64 (*f)(u64, u64, u64); int single, intsrc; };
static const struct ft ftab[] = {
  {"fadd.s", f_fadd_s, 1, 0},
  {"fsub.s", f_fsub_s, 1, 0},
  {"fmul.s", f_fmul_s, 1, 0},
  {"fdiv.s", f_fdiv_s, 1, 0},
  {"fsqrt.s", f_fsqrt_s, 1, 0},
  {"fmin.s", f_fmin_s, 1, 0},
  {"fmax.s", f_fmax_s, 1, 0},
  {"fmadd.s", f_fmadd_s, 1, 0},
  {"fmsub.s", f_fmsub_s, 1, 0},
  {"fnmsub.s", f_fnmsub_s, 1, 0},
  {"fnmadd.s", f_fnmadd_s, 1, 0},
  {"fsgnj.s", f_fsgnj_s, 1, 0},
  {"fsgnjn.s", f_fsgnjn_s, 1, 0},
  {"fsgnjx.s", f_fsgnjx_s, 1, 0},
  {"fcvt.d.s", f_fcvt_d_s, 1, 0},
  {"fcvt.s.d", f_fcvt_s_d, 0, 0},
  {"fadd.d", f_fadd_d, 0, 0},
  {"fsub.d", f_fsub_d, 0, 0},
  {"fmul.d", f_fmul_d, 0, 0},
  {"fdiv.d", f_fdiv_d, 0, 0},
  {"fsqrt.d", f_fsqrt_d, 0, 0},
  {"fmin.d", f_fmin_d, 0, 0},
  {"fmax.d", f_fmax_d, 0, 0},
  {"fmadd.d", f_fmadd_d, 0, 0},
  {"fmsub.d", f_fmsub_d, 0, 0},
  {"fnmsub.d", f_fnmsub_d, 0, 0},
  {"fnmadd.d", f_fnmadd_d, 0, 0},
  {"fsgnj.d", f_fsgnj_d, 0, 0},
  {"fsgnjn.d", f_fsgnjn_d, 0, 0},
  {"fsgnjx.d", f_fsgnjx_d, 0, 0},
  {"feq.s", f_feq_s, 1, 0},
  {"flt.s", f_flt_s, 1, 0},
  {"fle.s", f_fle_s, 1, 0},
  {"fclass.s", f_fclass_s, 1, 0},
  {"feq.d", f_feq_d, 0, 0},
  {"flt.d", f_flt_d, 0, 0},
  {"fle.d", f_fle_d, 0, 0},
  {"fclass.d", f_fclass_d, 0, 0},
  {"fmv.x.w", f_fmv_x_w, 1, 0},
  {"fmv.x.d", f_fmv_x_d, 0, 0},
  {"fcvt.w.s", f_fcvt_w_s, 1, 0},
  {"fcvt.wu.s", f_fcvt_wu_s, 1, 0},
  {"fcvt.l.s", f_fcvt_l_s, 1, 0},
  {"fcvt.lu.s", f_fcvt_lu_s, 1, 0},
  {"fcvt.w.d", f_fcvt_w_d, 0, 0},
  {"fcvt.wu.d", f_fcvt_wu_d, 0, 0},
  {"fcvt.l.d", f_fcvt_l_d, 0, 0},
  {"fcvt.lu.d", f_fcvt_lu_d, 0, 0},
  {"fcvt.s.w", f_fcvt_s_w, 0, 1},
  {"fcvt.s.wu", f_fcvt_s_wu, 0, 1},
  {"fcvt.s.l", f_fcvt_s_l, 0, 1},
  {"fcvt.s.lu", f_fcvt_s_lu, 0, 1},
  {"fcvt.d.w", f_fcvt_d_w, 0, 1},
  {"fcvt.d.wu", f_fcvt_d_wu, 0, 1},
  {"fcvt.d.l", f_fcvt_d_l, 0, 1},
  {"fcvt.d.lu", f_fcvt_d_lu, 0, 1},
  {"fmv.w.x", f_fmv_w_x, 0, 1},
  {"fmv.d.x", f_fmv_d_x, 0, 1},
};

static void fp(void) {
    for (unsigned t = 0; t < sizeof ftab / sizeof ftab[0]; t++) {
        seed = 0x51ed270b27a5b3c1UL ^ t;
        for (u64 rm = 0; rm < 5; rm++) {
            setrm(rm);
            for (int i = 0; i < 24; i++) for (int j = 0; j < 24; j += (i < (int) NFD && j < (int) NFD) ? 5 : 9) {
                u64 a, b, c;
                if (ftab[t].intsrc) { a = operand(i); b = c = 0; }
                else if (ftab[t].single) { a = sop(i); b = sop(j); c = sop((i + j) % 24); }
                else { a = dop(i); b = dop(j); c = dop((i * 7 + j) % 24); }
                clearflags();
                u64 r = ftab[t].f(a, b, c);
                u64 fl = flags();
                str(ftab[t].n); ch(' '); hex(rm); ch(' '); hex(a); ch(' '); hex(b); ch(' '); hex(c); str(" -> "); hex(r); ch(' '); hex(fl); ch('\n');
            }
        }
    }
    /* single-precision inputs that are not NaN-boxed read as the canonical NaN; moves keep the raw bits */
    u64 raw = 0x000000003f800000UL, r;
    asm volatile("fmv.d.x ft0,%1\n fadd.s ft1,ft0,ft0\n fmv.x.d %0,ft1" : "=r"(r) : "r"(raw) : "ft0", "ft1");
    str("unboxed fadd.s "); hex(r); ch('\n');
    asm volatile("fmv.d.x ft0,%1\n fsgnj.s ft1,ft0,ft0\n fmv.x.d %0,ft1" : "=r"(r) : "r"(raw) : "ft0", "ft1");
    str("unboxed fsgnj.s "); hex(r); ch('\n');
    asm volatile("fmv.d.x ft0,%1\n fmv.x.w %0,ft0" : "=r"(r) : "r"(raw | 0x1234500000000000UL) : "ft0");
    str("unboxed fmv.x.w "); hex(r); ch('\n');
    static u64 slot;
    asm volatile("fmv.d.x ft0,%1\n fsw ft0,0(%2)\n flw ft1,0(%2)\n fmv.x.d %0,ft1" : "=r"(r) : "r"(0x7ff0000080000001UL), "r"(&slot) : "ft0", "ft1", "memory");
    str("fsw/flw "); hex(r); ch(' '); hex(slot); ch('\n');
    asm volatile("fmv.d.x ft0,%1\n fclass.s %0,ft0" : "=r"(r) : "r"(raw) : "ft0");
    str("unboxed fclass.s "); hex(r); ch('\n');
    /* fcsr round trip */
    u64 v1, v2;
    asm volatile("csrw fcsr,%2\n csrr %0,fcsr\n csrr %1,frm" : "=r"(v1), "=r"(v2) : "r"(0xffUL));
    str("fcsr "); hex(v1); ch(' '); hex(v2); ch('\n');
    asm volatile("csrwi fflags,0x1f\n csrrci %0,fflags,3\n csrr %1,fcsr" : "=r"(v1), "=r"(v2));
    str("fflags "); hex(v1); ch(' '); hex(v2); ch('\n');
    setrm(0);
}

void _start(void) __attribute__((naked, noreturn));
int main_(void) {
    integer();
    memory();
    atomics();
    fp();
    flush();
    sys3(93, 0, 0, 0);
    for (;;) {}
}
void _start(void) { asm volatile(".option push\n.option norelax\nla gp, __global_pointer$\n.option pop\ncall main_"); }
