// SEV-SNP TCB_VERSION: per-component security patch levels packed in 64 bits.
// Milan and Genoa put BOOT_LOADER, TEE, SNP and MICROCODE at bytes 0, 1, 6, 7;
// Turin adds FMC and uses bytes 0 (FMC), 1, 2, 3 and 7.

export type AmdProduct = 'Milan' | 'Genoa' | 'Turin';

export interface TcbParts {
  fmc: number; // Turin only
  bootloader: number;
  tee: number;
  snp: number;
  microcode: number;
}

function byte_of(raw: bigint, index: number): number {
  return Number((raw >> BigInt(8 * index)) & 0xffn);
}

// Splits a raw TCB_VERSION for `product`.
export function decode_tcb(raw: bigint, product: AmdProduct): TcbParts {
  if (product === 'Turin') {
    return { fmc: byte_of(raw, 0), bootloader: byte_of(raw, 1), tee: byte_of(raw, 2), snp: byte_of(raw, 3), microcode: byte_of(raw, 7) };
  }
  return { fmc: 0, bootloader: byte_of(raw, 0), tee: byte_of(raw, 1), snp: byte_of(raw, 6), microcode: byte_of(raw, 7) };
}

// Returns true if every component of `have` is >= that of `floor` (TCBs have
// no total order; this is how AMD and go-sev-guest compare them).
export function tcb_at_least(have: TcbParts, floor: TcbParts): boolean {
  return (
    have.fmc >= floor.fmc &&
    have.bootloader >= floor.bootloader &&
    have.tee >= floor.tee &&
    have.snp >= floor.snp &&
    have.microcode >= floor.microcode
  );
}

export function tcb_equal(a: TcbParts, b: TcbParts): boolean {
  return tcb_at_least(a, b) && tcb_at_least(b, a);
}

// Returns e.g. "bl=3 tee=0 snp=8 ucode=115" ("fmc=" first on Turin).
export function describe_tcb(tcb: TcbParts, product: AmdProduct): string {
  const base = `bl=${tcb.bootloader} tee=${tcb.tee} snp=${tcb.snp} ucode=${tcb.microcode}`;
  return product === 'Turin' ? `fmc=${tcb.fmc} ${base}` : base;
}
