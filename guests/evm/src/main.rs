//! revm: one message call to a small contract held in an in-memory `CacheDB`.
//!
//! The contract (hand-assembled, [`CONTRACT`]) reads `n` and a seed `x` from calldata, replaces
//! `x` by `keccak256(x)` `n` times, stores the result in slot 0 and returns it. Input (one
//! postcard frame): [`Input`] — the calldata (`n || x`, two 32-byte words). The guest prints and
//! commits the call's status, gas used, return data and the value written to slot 0.
#![cfg_attr(target_os = "none", no_std, no_main)]

extern crate alloc;

use alloc::vec::Vec;
use revm::context::result::ExecutionResult;
use revm::context::{Context, TxEnv};
use revm::database::{CacheDB, EmptyDB};
use revm::primitives::{Address, Bytes, TxKind, U256};
use revm::state::{AccountInfo, Bytecode};
use revm::{ExecuteEvm, MainBuilder, MainContext};
use runtime_abi::{commit, entry, exit, println, read};
use serde::{Deserialize, Serialize};

/// Runtime bytecode. Stack comments show the top on the right.
#[rustfmt::skip]
const CONTRACT: [u8; 42] = [
    0x60, 0x00,       // 00 PUSH1 0
    0x35,             // 02 CALLDATALOAD        n
    0x60, 0x20,       // 03 PUSH1 32
    0x35,             // 05 CALLDATALOAD        n x
    0x5b,             // 06 JUMPDEST loop:      n x
    0x81,             // 07 DUP2                n x n
    0x15,             // 08 ISZERO              n x (n==0)
    0x60, 0x1d,       // 09 PUSH1 end
    0x57,             // 0b JUMPI               n x
    0x60, 0x00,       // 0c PUSH1 0             n x 0
    0x52,             // 0e MSTORE              n          mem[0..32] = x
    0x60, 0x20,       // 0f PUSH1 32            n 32
    0x60, 0x00,       // 11 PUSH1 0             n 32 0
    0x20,             // 13 KECCAK256           n h
    0x90,             // 14 SWAP1               h n
    0x60, 0x01,       // 15 PUSH1 1             h n 1
    0x90,             // 17 SWAP1               h 1 n
    0x03,             // 18 SUB                 h n-1
    0x90,             // 19 SWAP1               n-1 h
    0x60, 0x06,       // 1a PUSH1 loop
    0x56,             // 1c JUMP
    0x5b,             // 1d JUMPDEST end:       n x
    0x80,             // 1e DUP1                n x x
    0x60, 0x00,       // 1f PUSH1 0             n x x 0
    0x55,             // 21 SSTORE              n x        slot0 = x
    0x60, 0x00,       // 22 PUSH1 0             n x 0
    0x52,             // 24 MSTORE              n          mem[0..32] = x
    0x60, 0x20,       // 25 PUSH1 32
    0x60, 0x00,       // 27 PUSH1 0
    0xf3,             // 29 RETURN              mem[0..32]
];

const CONTRACT_ADDRESS: Address = Address::new([0xc0; 20]);
const CALLER: Address = Address::new([0xca; 20]);
const GAS_LIMIT: u64 = 10_000_000;

/// Keep in sync with guests/tools/inputgen-heavy (postcard is positional).
#[derive(Deserialize)]
struct Input {
    calldata: Vec<u8>,
}

#[derive(Serialize)]
struct Output {
    success: bool,
    gas_used: u64,
    output: Vec<u8>,
    slot0: [u8; 32],
}

entry!(main);

fn main() {
    let input: Input = read();

    let mut db = CacheDB::<EmptyDB>::default();
    let mut contract = AccountInfo::from_bytecode(Bytecode::new_raw(Bytes::from_static(&CONTRACT)));
    contract.nonce = 1;
    db.insert_account_info(CONTRACT_ADDRESS, contract);
    db.insert_account_info(
        CALLER,
        AccountInfo {
            balance: U256::from(10u64).pow(U256::from(18u64)),
            ..Default::default()
        },
    );

    let mut evm = Context::mainnet()
        .with_db(db)
        .modify_block_chained(|block| block.basefee = 0)
        .build_mainnet();
    let tx = TxEnv::builder()
        .caller(CALLER)
        .kind(TxKind::Call(CONTRACT_ADDRESS))
        .data(Bytes::from(input.calldata))
        .gas_limit(GAS_LIMIT)
        .gas_price(0)
        .build_fill();
    let outcome = match evm.transact(tx) {
        Ok(outcome) => outcome,
        Err(e) => {
            println!("transaction rejected: {e:?}");
            exit(3);
        }
    };

    let slot0 = outcome
        .state
        .get(&CONTRACT_ADDRESS)
        .and_then(|account| account.storage.get(&U256::ZERO))
        .map(|slot| slot.present_value.to_be_bytes::<32>())
        .unwrap_or([0; 32]);
    let (success, gas_used, output) = match outcome.result {
        ExecutionResult::Success { gas, output, .. } => {
            (true, gas.tx_gas_used(), output.into_data().to_vec())
        }
        ExecutionResult::Revert { gas, output, .. } => (false, gas.tx_gas_used(), output.to_vec()),
        ExecutionResult::Halt { gas, reason, .. } => {
            println!("halt: {reason:?}");
            (false, gas.tx_gas_used(), Vec::new())
        }
    };

    println!("status {}", if success { "success" } else { "failure" });
    println!("gas_used {gas_used}");
    println!("output 0x{}", Hex(&output));
    println!("slot0 0x{}", Hex(&slot0));
    commit(&Output {
        success,
        gas_used,
        output,
        slot0,
    });
    if !success {
        exit(1);
    }
}

/// Lower-case hex without pulling in a formatting crate.
struct Hex<'a>(&'a [u8]);

impl core::fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}
