;; The SIMD kernels behind `VectorKernel` (src/store/search/vector-kernel.ts): dot products of one query with many rows,
;; approximate over int8 codes (`scoreCodes`) and exact over float32 rows picked by a list (`scoreListed`). Built into
;; src/store/search/vector-kernel.wasm.ts by `npm run build:wasm` (scripts/build-wasm.ts); a test checks that the committed
;; bytes are this file's. Memory layout is the caller's (see vector-kernel.ts).
(module
  (memory (export "memory") 1)

;; Writes to `out` (f32 per row) the dot product of each of `count` int8 rows, starting at `rows`, with the int16
  ;; query at `query`, times the row's scale. A row is `stride` bytes of codes (a multiple of 16, zero-padded) and 16
  ;; bytes whose first 4 hold its f32 scale. Products are summed in i32 lanes: exact for |query| ≤ 8191 and up to
  ;; 8,256 dims.
  (func (export "scoreCodes")
    (param $rows i32) (param $count i32) (param $stride i32) (param $query i32) (param $out i32)
    (local $p i32) (local $end i32) (local $q i32) (local $outEnd i32)
    (local $v v128) (local $low v128) (local $high v128) (local $sum v128)
    (local.set $p (local.get $rows))
    (local.set $outEnd (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $out) (local.get $outEnd)))
        (local.set $low (v128.const i32x4 0 0 0 0))
        (local.set $high (v128.const i32x4 0 0 0 0))
        (local.set $q (local.get $query))
        (local.set $end (i32.add (local.get $p) (local.get $stride)))
        (loop $dims
          (local.set $v (v128.load (local.get $p)))
          (local.set $low
            (i32x4.add (local.get $low)
              (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $v)) (v128.load (local.get $q)))))
          (local.set $high
            (i32x4.add (local.get $high)
              (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $v)) (v128.load offset=16 (local.get $q)))))
          (local.set $q (i32.add (local.get $q) (i32.const 32)))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (br_if $dims (i32.lt_u (local.get $p) (local.get $end))))
        (local.set $sum (i32x4.add (local.get $low) (local.get $high)))
        (f32.store (local.get $out)
          (f32.mul
            (f32.convert_i32_s
              (i32.add
                (i32.add (i32x4.extract_lane 0 (local.get $sum)) (i32x4.extract_lane 1 (local.get $sum)))
                (i32.add (i32x4.extract_lane 2 (local.get $sum)) (i32x4.extract_lane 3 (local.get $sum)))))
            (f32.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $row))))

  ;; Writes to `out` (f32 per entry) the dot product of the f32 query at `query` with each of the `count` f32 rows
  ;; whose indexes (i32) are listed at `list`; rows start at `rows` and are `stride` bytes apart (a multiple of 16,
  ;; zero-padded like the query).
  (func (export "scoreListed")
    (param $rows i32) (param $stride i32) (param $list i32) (param $count i32) (param $query i32) (param $out i32)
    (local $p i32) (local $end i32) (local $q i32) (local $listEnd i32) (local $sum v128)
    (local.set $listEnd (i32.add (local.get $list) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $entry
        (br_if $done (i32.ge_u (local.get $list) (local.get $listEnd)))
        (local.set $p (i32.add (local.get $rows) (i32.mul (i32.load (local.get $list)) (local.get $stride))))
        (local.set $end (i32.add (local.get $p) (local.get $stride)))
        (local.set $q (local.get $query))
        (local.set $sum (v128.const f32x4 0 0 0 0))
        (loop $dims
          (local.set $sum
            (f32x4.add (local.get $sum) (f32x4.mul (v128.load (local.get $p)) (v128.load (local.get $q)))))
          (local.set $q (i32.add (local.get $q) (i32.const 16)))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (br_if $dims (i32.lt_u (local.get $p) (local.get $end))))
        (f32.store (local.get $out)
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $sum)) (f32x4.extract_lane 1 (local.get $sum)))
            (f32.add (f32x4.extract_lane 2 (local.get $sum)) (f32x4.extract_lane 3 (local.get $sum)))))
        (local.set $list (i32.add (local.get $list) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $entry)))))
