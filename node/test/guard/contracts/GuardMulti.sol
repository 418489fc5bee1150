// SPDX-License-Identifier: MIT
// Test-only: an ERC-1155 collection whose deployer mints to a holder.
pragma solidity ^0.8.24;

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";

contract GuardMulti is ERC1155 {
    constructor(address holder) ERC1155("") {
        uint256[] memory ids = new uint256[](2);
        uint256[] memory amounts = new uint256[](2);
        ids[0] = 1;
        ids[1] = 2;
        amounts[0] = 10;
        amounts[1] = 5;
        _mintBatch(holder, ids, amounts, "");
    }
}
