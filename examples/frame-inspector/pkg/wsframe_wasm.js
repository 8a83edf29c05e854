/**
 * A buffer in wasm memory for the codec's calls: JavaScript writes their input into it
 * ([`reserve`](Self::reserve)) and reads their output from it, so no call copies
 * arrays across the boundary. Masking happens in place.
 */
export class Codec {
    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        CodecFinalization.unregister(this);
        return ptr;
    }
    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_codec_free(ptr, 0);
    }
    /**
     * The Sec-WebSocket-Accept value for the Sec-WebSocket-Key in the first `len`
     * bytes, written over the start of the buffer; returns its length (28).
     * @param {number} len
     * @returns {number}
     */
    accept_key(len) {
        const ret = wasm.codec_accept_key(this.__wbg_ptr, len);
        return ret;
    }
    /**
     * Masks the first `len` bytes in place.
     * @param {number} len
     * @param {number} mask_key
     * @param {number} offset
     */
    apply(len, mask_key, offset) {
        wasm.codec_apply(this.__wbg_ptr, len, mask_key, offset);
    }
    /**
     * Writes a refusal with status 400, 403, 426 or 431 at the start of the buffer;
     * returns its length.
     * @param {number} status
     * @returns {number}
     */
    build_rejection(status) {
        const ret = wasm.codec_build_rejection(this.__wbg_ptr, status);
        return ret;
    }
    /**
     * Decodes the frame header at the start of the first `len` bytes as an endpoint of
     * the given role would (`server` true: frames come from a client and must be
     * masked). The values at [`vals_ptr`](Self::vals_ptr) are then `[0, needed]` when
     * incomplete, else `[1, fin, rsv, opcode, masked, mask key (big-endian), payload
     * length low 32 bits, high 32 bits, header length]`; returns their number.
     * @param {number} len
     * @param {boolean} server
     * @param {number} allowed_rsv
     * @param {number} max_payload
     * @returns {number}
     */
    decode_header(len, server, allowed_rsv, max_payload) {
        const ret = wasm.codec_decode_header(this.__wbg_ptr, len, server, allowed_rsv, max_payload);
        return ret;
    }
    /**
     * Frames the payload written at offset [`MAX_HEADER_LEN`] (14) of the first `end`
     * bytes: the header goes in front of it and `masked` with `mask_key` (big-endian)
     * masks it in place. Returns the offset where the frame starts; it ends at `end`.
     * @param {boolean} fin
     * @param {number} rsv
     * @param {number} opcode
     * @param {boolean} masked
     * @param {number} mask_key
     * @param {number} end
     * @returns {number}
     */
    encode_frame(fin, rsv, opcode, masked, mask_key, end) {
        const ret = wasm.codec_encode_frame(this.__wbg_ptr, fin, rsv, opcode, masked, mask_key, end);
        return ret;
    }
    /**
     * An empty buffer.
     */
    constructor() {
        const ret = wasm.codec_new();
        this.__wbg_ptr = ret;
        CodecFinalization.register(this, this.__wbg_ptr, this);
        return this;
    }
    /**
     * Makes room for `len` bytes; returns their address, or the memory error when
     * memory cannot grow. May grow memory.
     * @param {number} len
     * @returns {number}
     */
    reserve(len) {
        const ret = wasm.codec_reserve(this.__wbg_ptr, len);
        return ret;
    }
    /**
     * The address of the values [`decode_header`](Self::decode_header) wrote.
     * @returns {number}
     */
    vals_ptr() {
        const ret = wasm.codec_vals_ptr(this.__wbg_ptr);
        return ret >>> 0;
    }
}
if (Symbol.dispose) Codec.prototype[Symbol.dispose] = Codec.prototype.free;

/**
 * A WebSocket connection (either role) with its buffers in wasm memory.
 */
export class Conn {
    static __wrap(ptr) {
        const obj = Object.create(Conn.prototype);
        obj.__wbg_ptr = ptr;
        ConnFinalization.register(obj, obj.__wbg_ptr, obj);
        return obj;
    }
    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        ConnFinalization.unregister(this);
        return ptr;
    }
    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_conn_free(ptr, 0);
    }
    /**
     * Marks the connection closed (transport ended, timeout).
     */
    abort() {
        wasm.conn_abort(this.__wbg_ptr);
    }
    /**
     * Server: accepts the request with an optional subprotocol; the 101 response is
     * at the output registers (`R_OUT_PTR`). Returns its length.
     * `extensions` is the `Sec-WebSocket-Extensions` answer of a negotiated extension.
     * `""` stands for none.
     * @param {string} protocol
     * @param {string} extensions
     * @returns {number}
     */
    accept(protocol, extensions) {
        let ptr0, len0, ptr1, len1;
        try {
            ptr0 = passStringToWasm0(protocol, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passStringToWasm0(extensions, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len1 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
            throw e;
        }
        const ret = wasm.conn_accept(this.__wbg_ptr, ptr0, len0, ptr1, len1);
        return ret;
    }
    /**
     * Takes `n` more received bytes: makes room for them and returns their address.
     * Write them there before the next [`poll`](Self::poll). May grow memory; when it
     * cannot, the connection fails with 1011 (see [`transmit`](Self::transmit)) and the
     * memory error is returned.
     * @param {number} n
     * @returns {number}
     */
    append(n) {
        const ret = wasm.conn_append(this.__wbg_ptr, n);
        return ret;
    }
    /**
     * A client connection; `seed` (32 random bytes from `crypto.getRandomValues`, as
     * eight big-endian words) keys the masks. With `handshake_done` frames flow at once.
     * @param {number} max_payload
     * @param {number} max_message
     * @param {boolean} auto_pong
     * @param {number} max_handshake
     * @param {Uint32Array | number[]} seed
     * @param {boolean} handshake_done
     * @returns {Conn}
     */
    static client(max_payload, max_message, auto_pong, max_handshake, seed, handshake_done) {
        const val2 = +max_payload;
        const val3 = +max_message;
        const val4 = +auto_pong;
        const val5 = +max_handshake;
        const val6 = +handshake_done;
        const ptr0 = passArray32ToWasm0(seed, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.conn_client(val2, val3, val4, val5, ptr0, len0, val6);
        return Conn.__wrap(ret);
    }
    /**
     * Writes a close frame (`code` 0 for none); returns the frame length.
     * @param {number} code
     * @param {string} reason
     * @returns {number}
     */
    close(code, reason) {
        const val2 = +code;
        const ptr0 = passStringToWasm0(reason, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.conn_close(this.__wbg_ptr, val2, ptr0, len0);
        return ret;
    }
    /**
     * Writes a ping (`ping` true) or an unsolicited pong; returns the frame length.
     * @param {boolean} ping
     * @param {Uint8Array | number[]} payload
     * @returns {number}
     */
    control(ping, payload) {
        const val2 = +ping;
        const ptr0 = passArray8ToWasm0(payload, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.conn_control(this.__wbg_ptr, val2, ptr0, len0);
        return ret;
    }
    /**
     * Fails the connection for a reason found outside the core (1007 for compressed
     * data that does not inflate to valid text, 1009 for a message inflating past the
     * limit): the close frame is then owed through [`transmit`](Self::transmit).
     * @param {number} code
     * @returns {number}
     */
    fail(code) {
        const ret = wasm.conn_fail(this.__wbg_ptr, code);
        return ret;
    }
    /**
     * Payload bytes of the current frame still to come after the last data event (0
     * when it ended its frame), to size a message buffer once. A number: exact up to
     * 2^53, far beyond any payload limit.
     * @returns {number}
     */
    frame_remaining() {
        const ret = wasm.conn_frame_remaining(this.__wbg_ptr);
        return ret;
    }
    /**
     * Bytes received and not consumed yet.
     * @returns {number}
     */
    pending() {
        const ret = wasm.conn_pending(this.__wbg_ptr);
        return ret >>> 0;
    }
    /**
     * Reads the next event from the received bytes: one of 0 (need more input),
     * 1 request, 2 opened, 3 data, 4 ping, 5 pong, 6 close; or a protocol or
     * handshake error, after which what is owed to the peer comes from
     * [`transmit`](Self::transmit).
     * @returns {number}
     */
    poll() {
        const ret = wasm.conn_poll(this.__wbg_ptr);
        return ret;
    }
    /**
     * 0 connecting, 1 open, 2 closing, 3 closed (the browser API's numbering).
     * @returns {number}
     */
    ready_state() {
        const ret = wasm.conn_ready_state(this.__wbg_ptr);
        return ret;
    }
    /**
     * The address of the registers, `u32` values (see `R_EV_PTR` and the others):
     * fixed for the connection's life.
     * @returns {number}
     */
    regs_ptr() {
        const ret = wasm.conn_regs_ptr(this.__wbg_ptr);
        return ret >>> 0;
    }
    /**
     * Server: refuses the request with status 400, 403, 426 or 431; the response is
     * at the output registers (`R_OUT_PTR`). Returns its length.
     * @param {number} status
     * @returns {number}
     */
    reject(status) {
        const ret = wasm.conn_reject(this.__wbg_ptr, status);
        return ret;
    }
    /**
     * Frames the `len` payload bytes written at [`send_buf`](Self::send_buf) as a
     * data frame (a client's are masked in place); returns the frame length, at
     * the output registers (`R_OUT_PTR`).
     * @param {boolean} text
     * @param {boolean} fin
     * @param {number} len
     * @returns {number}
     */
    send(text, fin, len) {
        const ret = wasm.conn_send(this.__wbg_ptr, text, fin, len);
        return ret;
    }
    /**
     * Makes room for an outgoing payload of `len` bytes and returns its address;
     * write the payload there, then call [`send`](Self::send). May grow memory (or
     * return the memory error, failing the connection with 1011).
     * @param {number} len
     * @returns {number}
     */
    send_buf(len) {
        const ret = wasm.conn_send_buf(this.__wbg_ptr, len);
        return ret;
    }
    /**
     * Frames a whole message that a negotiated extension transformed (permessage-deflate)
     * as one frame with RSV1; returns the frame length, at the output registers (`R_OUT_PTR`).
     * @param {boolean} text
     * @param {Uint8Array | number[]} payload
     * @returns {number}
     */
    send_compressed(text, payload) {
        const val2 = +text;
        const ptr0 = passArray8ToWasm0(payload, wasm.__wbindgen_malloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.conn_send_compressed(this.__wbg_ptr, val2, ptr0, len0);
        return ret;
    }
    /**
     * Frames a payload of `len` bytes that stays in JavaScript, writing just the header
     * (at the output registers, `R_OUT_PTR`); returns the header length. A server's
     * payload then goes to the socket after the header, untouched; a client's is masked
     * first with the key at register `R_MASK_KEY` (piece by piece through a small
     * buffer, so that no message-sized buffer is needed in wasm memory). `len` is a
     * number, so a payload past 4 GiB keeps its length.
     * @param {boolean} text
     * @param {boolean} fin
     * @param {number} len
     * @returns {number}
     */
    send_header(text, fin, len) {
        const ret = wasm.conn_send_header(this.__wbg_ptr, text, fin, len);
        return ret;
    }
    /**
     * A server connection. With `handshake_done` the opening handshake happened
     * elsewhere; otherwise the request is expected first.
     * @param {number} max_payload
     * @param {number} max_message
     * @param {boolean} auto_pong
     * @param {number} max_handshake
     * @param {boolean} handshake_done
     * @returns {Conn}
     */
    static server(max_payload, max_message, auto_pong, max_handshake, handshake_done) {
        const ret = wasm.conn_server(max_payload, max_message, auto_pong, max_handshake, handshake_done);
        return Conn.__wrap(ret);
    }
    /**
     * Allows the RSV bits a negotiated extension defines (4 = RSV1 for
     * permessage-deflate) from the next frame on.
     * @param {number} rsv
     */
    set_allowed_rsv(rsv) {
        wasm.conn_set_allowed_rsv(this.__wbg_ptr, rsv);
    }
    /**
     * Writes everything the protocol owes the peer (pong, close reply, failing close,
     * handshake rejection) into the output buffer; returns its length (0 when
     * nothing is owed). Read it at the output registers (`R_OUT_PTR`).
     * @returns {number}
     */
    transmit() {
        const ret = wasm.conn_transmit(this.__wbg_ptr);
        return ret;
    }
    /**
     * Whether [`transmit`](Self::transmit) has something to write.
     * @returns {boolean}
     */
    wants_transmit() {
        const ret = wasm.conn_wants_transmit(this.__wbg_ptr);
        return ret !== 0;
    }
    /**
     * Client: writes the opening request; it is at the output registers. `fields` are
     * the host, the path, the origin, the `Sec-WebSocket-Extensions` offer, the
     * subprotocols joined by commas, then names and values of extra headers, each
     * followed by a NUL byte (which no valid header contains); `""` stands for none.
     * @param {string} fields
     * @param {Uint8Array | number[]} nonce
     * @returns {number}
     */
    write_request(fields, nonce) {
        let ptr0, len0, ptr1, len1;
        try {
            ptr0 = passStringToWasm0(fields, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArray8ToWasm0(nonce, wasm.__wbindgen_malloc);
            len1 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr1) { wasm.__wbindgen_free(ptr1, len1 * 1, 1); }
            if (ptr0) { wasm.__wbindgen_free(ptr0, len0 * 1, 1); }
            throw e;
        }
        const ret = wasm.conn_write_request(this.__wbg_ptr, ptr0, len0, ptr1, len1);
        return ret;
    }
}
if (Symbol.dispose) Conn.prototype[Symbol.dispose] = Conn.prototype.free;

/**
 * The module's linear memory, for views over [`Conn`] buffers (its `buffer` changes
 * when memory grows): the one JavaScript value that crosses the boundary, typed with
 * js-sys. Linking js-sys costs the module 731 bytes (49,761 to 50,492), none of it for
 * this function: js-sys exports a description of each of its imports, and the closure
 * adapters those name stay in the function table, which the module keeps because the
 * core dispatches its handshake reader and key refill through function pointers (its
 * role table; with a `match` on the state there instead, the module with js-sys
 * measured 49,777 bytes).
 * @returns {WebAssembly.Memory}
 */
export function wasmMemory() {
    const ret = wasm.wasmMemory();
    return ret;
}
function __wbg_get_imports() {
    const import0 = {
        __proto__: null,
        __wbg___wbindgen_memory_17a1178bc3328ea3: function() {
            const ret = wasm.memory;
            return ret;
        },
        __wbg___wbindgen_throw_4c88d8bf264fd984: function(arg0, arg1) {
            throw new Error(getStringFromWasm0(arg0, arg1));
        },
        __wbindgen_init_externref_table: function() {
            const table = wasm.__wbindgen_externrefs;
            table.set(0, undefined);
            table.set(1024, undefined);
            table.set(1025, null);
            table.set(1026, true);
            table.set(1027, false);
        },
    };
    return {
        __proto__: null,
        "./wsframe_wasm_bg.js": import0,
    };
}

const CodecFinalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_codec_free(ptr, 1));
const ConnFinalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_conn_free(ptr, 1));

function getStringFromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    return decodeText(getUint8ArrayMemory0().subarray(ptr, ptr + len));
}

let cachedUint32ArrayMemory0 = null;
function getUint32ArrayMemory0() {
    if (cachedUint32ArrayMemory0 === null || cachedUint32ArrayMemory0.byteLength === 0) {
        cachedUint32ArrayMemory0 = new Uint32Array(wasm.memory.buffer);
    }
    return cachedUint32ArrayMemory0;
}

let cachedUint8ArrayMemory0 = null;
function getUint8ArrayMemory0() {
    if (cachedUint8ArrayMemory0 === null || cachedUint8ArrayMemory0.byteLength === 0) {
        cachedUint8ArrayMemory0 = new Uint8Array(wasm.memory.buffer);
    }
    return cachedUint8ArrayMemory0;
}

function passArray32ToWasm0(arg, malloc) {
    const ptr = malloc(arg.length * 4, 4) >>> 0;
    getUint32ArrayMemory0().set(arg, ptr / 4);
    WASM_VECTOR_LEN = arg.length;
    return ptr;
}

function passArray8ToWasm0(arg, malloc) {
    const ptr = malloc(arg.length * 1, 1) >>> 0;
    getUint8ArrayMemory0().set(arg, ptr / 1);
    WASM_VECTOR_LEN = arg.length;
    return ptr;
}

function passStringToWasm0(arg, malloc, realloc) {
    if (realloc === undefined) {
        const buf = cachedTextEncoder.encode(arg);
        const ptr = malloc(buf.length, 1) >>> 0;
        getUint8ArrayMemory0().subarray(ptr, ptr + buf.length).set(buf);
        WASM_VECTOR_LEN = buf.length;
        return ptr;
    }

    let len = arg.length;
    let ptr = malloc(len, 1) >>> 0;

    const mem = getUint8ArrayMemory0();

    let offset = 0;

    for (; offset < len; offset++) {
        const code = arg.charCodeAt(offset);
        if (code > 0x7F) break;
        mem[ptr + offset] = code;
    }
    if (offset !== len) {
        if (offset !== 0) {
            arg = arg.slice(offset);
        }
        ptr = realloc(ptr, len, len = offset + arg.length * 3, 1) >>> 0;
        const view = getUint8ArrayMemory0().subarray(ptr + offset, ptr + len);
        const ret = cachedTextEncoder.encodeInto(arg, view);

        offset += ret.written;
        ptr = realloc(ptr, len, offset, 1) >>> 0;
    }

    WASM_VECTOR_LEN = offset;
    return ptr;
}

let cachedTextDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
cachedTextDecoder.decode();
const MAX_SAFARI_DECODE_BYTES = 2146435072;
let numBytesDecoded = 0;
function decodeText(bytes) {
    numBytesDecoded += bytes.length;
    if (numBytesDecoded >= MAX_SAFARI_DECODE_BYTES) {
        cachedTextDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
        cachedTextDecoder.decode();
        numBytesDecoded = bytes.length;
    }
    return cachedTextDecoder.decode(bytes);
}

const cachedTextEncoder = new TextEncoder();

if (!('encodeInto' in cachedTextEncoder)) {
    cachedTextEncoder.encodeInto = function (arg, view) {
        const buf = cachedTextEncoder.encode(arg);
        view.set(buf);
        return {
            read: arg.length,
            written: buf.length
        };
    };
}

let WASM_VECTOR_LEN = 0;

let wasmModule, wasmInstance, wasm;
function __wbg_finalize_init(instance, module) {
    wasmInstance = instance;
    wasm = instance.exports;
    wasmModule = module;
    cachedUint32ArrayMemory0 = null;
    cachedUint8ArrayMemory0 = null;
    wasm.__wbindgen_start();
    return wasm;
}

async function __wbg_load(module, imports) {
    if (typeof Response === 'function' && module instanceof Response) {
        if (!module.ok) {
            throw new Error(`failed to fetch Wasm: ${module.status} ${module.statusText} fetching '${module.url}'`);
        }

        if (typeof WebAssembly.instantiateStreaming === 'function') {
            try {
                return await WebAssembly.instantiateStreaming(module, imports);
            } catch (e) {
                const validResponse = expectedResponseType(module.type);

                if (validResponse && module.headers.get('Content-Type') !== 'application/wasm') {
                    console.warn("`WebAssembly.instantiateStreaming` failed because your server does not serve Wasm with `application/wasm` MIME type. Falling back to `WebAssembly.instantiate` which is slower. Original error:\n", e);

                } else { throw e; }
            }
        }

        const bytes = await module.arrayBuffer();
        return await WebAssembly.instantiate(bytes, imports);
    } else {
        const instance = await WebAssembly.instantiate(module, imports);

        if (instance instanceof WebAssembly.Instance) {
            return { instance, module };
        } else {
            return instance;
        }
    }

    function expectedResponseType(type) {
        switch (type) {
            case 'basic': case 'cors': case 'default': return true;
        }
        return false;
    }
}

function initSync(module) {
    if (wasm !== undefined) return wasm;


    if (module !== undefined) {
        if (Object.getPrototypeOf(module) === Object.prototype) {
            ({module} = module)
        } else {
            console.warn('using deprecated parameters for `initSync()`; pass a single object instead')
        }
    }

    const imports = __wbg_get_imports();
    if (!(module instanceof WebAssembly.Module)) {
        module = new WebAssembly.Module(module);
    }
    const instance = new WebAssembly.Instance(module, imports);
    return __wbg_finalize_init(instance, module);
}

let __wbg_init_promise;
async function __wbg_init(module_or_path) {
    if (wasm !== undefined) return wasm;
    if (__wbg_init_promise === undefined) {
        __wbg_init_promise = __wbg_init_once(module_or_path);
        __wbg_init_promise.catch(() => { __wbg_init_promise = undefined; });
    }
    return __wbg_init_promise;
}

async function __wbg_init_once(module_or_path) {

    if (module_or_path !== undefined) {
        if (Object.getPrototypeOf(module_or_path) === Object.prototype) {
            ({module_or_path} = module_or_path)
        } else {
            console.warn('using deprecated parameters for the initialization function; pass a single object instead')
        }
    }

    if (module_or_path === undefined) {
        module_or_path = new URL('wsframe_wasm_bg.wasm', import.meta.url);
    }
    const imports = __wbg_get_imports();

    if (typeof module_or_path === 'string' || (typeof Request === 'function' && module_or_path instanceof Request) || (typeof URL === 'function' && module_or_path instanceof URL)) {
        module_or_path = fetch(module_or_path);
    }

    const { instance, module } = await __wbg_load(await module_or_path, imports);

    return __wbg_finalize_init(instance, module);
}

export { initSync, __wbg_init as default };
