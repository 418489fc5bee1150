// SPDX-License-Identifier: MIT
// Test-only: a factory with Uniswap V2's getPair(tokenA, tokenB), in either order.
pragma solidity ^0.8.24;

import {GuardV2Pair} from "./GuardV2Pair.sol";

contract GuardV2Factory {
    mapping(address => mapping(address => address)) public getPair;

    function createPair(address a, address b) external returns (address pair) {
        (address t0, address t1) = a < b ? (a, b) : (b, a);
        pair = address(new GuardV2Pair(t0, t1));
        getPair[t0][t1] = pair;
        getPair[t1][t0] = pair;
    }
}
